import { describe, expect, it } from "vitest";
import type { JobRecord } from "../domain/job.js";
import { toView, webhookPayload } from "./view.js";

const base: JobRecord = {
  id: "j1",
  endpointId: "ep",
  status: "IN_QUEUE",
  sync: false,
  input: { prompt: "x" },
  policy: { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false },
  createdAt: 1000,
  expiresAt: 1000 + 86_400_000,
  hasOutput: false,
  retries: 0,
  streamCount: 0,
  streamDrained: 0,
};

describe("toView", () => {
  it("IN_QUEUE is just id and status (plus a hint when given)", () => {
    expect(toView(base, 5000)).toEqual({ id: "j1", status: "IN_QUEUE" });
    expect(toView(base, 5000, "why")).toEqual({ id: "j1", status: "IN_QUEUE", hint: "why" });
  });

  it("IN_PROGRESS echoes input, delay and worker; progress adds output and a running executionTime", () => {
    const running: JobRecord = {
      ...base,
      status: "IN_PROGRESS",
      startedAt: 3624,
      workerId: "w",
      leaseUntil: 9,
    };
    expect(toView(running, 5000)).toEqual({
      id: "j1",
      status: "IN_PROGRESS",
      delayTime: 2624,
      input: { prompt: "x" },
      workerId: "w",
    });
    expect(toView({ ...running, hasOutput: true, output: { progress: "4/10" } }, 5000)).toMatchObject({
      output: { progress: "4/10" },
      executionTime: 1376,
    });
  });

  it("COMPLETED has timings, output and worker but no input; retries only when > 0", () => {
    const done: JobRecord = {
      ...base,
      status: "COMPLETED",
      startedAt: 1824,
      completedAt: 5215,
      workerId: "w",
      hasOutput: true,
      output: 0,
      retries: 2,
    };
    expect(toView(done, 9999)).toEqual({
      id: "j1",
      status: "COMPLETED",
      delayTime: 824,
      executionTime: 3391,
      output: 0,
      workerId: "w",
      retries: 2,
    });
  });

  it("FAILED echoes input and the error as sent; the webhook body adds input and webhook", () => {
    const failed: JobRecord = {
      ...base,
      status: "FAILED",
      startedAt: 2000,
      completedAt: 3000,
      error: { type: "E" },
      webhook: "http://h",
    };
    expect(toView(failed, 0)).toMatchObject({ error: { type: "E" }, input: { prompt: "x" } });
    const done: JobRecord = { ...failed, status: "COMPLETED", hasOutput: true, output: 1 };
    delete done.error;
    expect(webhookPayload(done, 0)).toEqual({
      id: "j1",
      status: "COMPLETED",
      delayTime: 1000,
      executionTime: 1000,
      output: 1,
      input: { prompt: "x" },
      webhook: "http://h",
    });
  });
});
