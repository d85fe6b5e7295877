/**
 * The job kinds end to end: a real server, real @gantry/worker processes, the public API over loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../src/domain/job.js";
import type { HealthView } from "../../src/engine/platform.js";
import { readSse, type Stack, startStack, until } from "./harness.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ endpoints: [{ id: "e2e" }, { id: "agg" }] });
  stack.startWorker("e2e", ["--concurrency", "2"]);
  stack.startWorker("agg", ["--aggregate"]);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe("e2e: job kinds through a real server and worker process", () => {
  it("runsync returns the handler's result (cold start included)", async () => {
    const r = await stack.call<JobView>("POST", "/v2/e2e/runsync?wait=60000", { input: { value: "hello" } });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("COMPLETED");
    expect(r.body.id).toMatch(/^sync-/);
    expect(r.body.output).toEqual({ echo: "hello", worker: "e2e-w1" });
    expect(r.body.workerId).toBe("e2e-w1");
    expect(typeof r.body.executionTime).toBe("number");
  });

  it("run + status: IN_QUEUE at once, COMPLETED later with timings", async () => {
    const r = await stack.call<JobView>("POST", "/v2/e2e/run", {
      input: { mode: "sleep", ms: 300, value: 7 },
    });
    expect(r.body.status).toBe("IN_QUEUE");
    const done = await stack.waitDone("e2e", r.body.id);
    expect(done).toMatchObject({ status: "COMPLETED", output: { slept: 300, value: 7 }, workerId: "e2e-w1" });
    expect(done.executionTime).toBeGreaterThanOrEqual(250);
    const again = await stack.status("e2e", r.body.id);
    expect(again.body.status).toBe("COMPLETED");
  });

  it("a generator without aggregation: chunks drain through /stream exactly once, output is []", async () => {
    const chunks = ["a", { b: 2 }, [3], "d"];
    const id = await stack.submit("e2e", { mode: "generate", chunks, gapMs: 100 });
    const seen: unknown[] = [];
    let status = "IN_QUEUE";
    while (!["COMPLETED", "FAILED"].includes(status)) {
      const r = await stack.call<{ status: string; stream: { output: unknown }[] }>(
        "GET",
        `/v2/e2e/stream/${id}?wait=5000`,
      );
      expect(r.status).toBe(200);
      status = r.body.status;
      seen.push(...r.body.stream.map((c) => c.output));
    }
    expect(status).toBe("COMPLETED");
    expect(seen).toEqual(chunks);
    const again = await stack.call<{ stream: unknown[] }>("GET", `/v2/e2e/stream/${id}`);
    expect(again.body.stream).toEqual([]);
    const done = await stack.status("e2e", id);
    expect(done.body.output).toEqual([]);
  });

  it("a generator with aggregation: SSE shows every chunk live, final output is the list", async () => {
    const chunks = [1, 2, 3, 4, 5];
    const id = await stack.submit("agg", { mode: "generate", chunks, gapMs: 100 });
    const { status, events } = await readSse(`${stack.url}/v2/agg/stream/${id}`);
    expect(status).toBe(200);
    const got = events.filter((e) => e.event === "chunk").map((e) => (e.data as { output: unknown }).output);
    expect(got).toEqual(chunks);
    const last = events.at(-1);
    expect(last?.event).toBe("status");
    expect(last?.data).toMatchObject({ status: "COMPLETED", output: chunks });
    // SSE does not consume the draining buffer.
    const drained = await stack.call<{ stream: { output: unknown }[] }>("GET", `/v2/agg/stream/${id}`);
    expect(drained.body.stream.map((c) => c.output)).toEqual(chunks);
  });

  it("progress with a message is visible on /status while IN_PROGRESS", async () => {
    const id = await stack.submit("e2e", { mode: "progress", message: "halfway", ms: 2_500 });
    const running = await until(
      async () => {
        const r = await stack.status("e2e", id);
        return r.body.status === "IN_PROGRESS" && r.body.output !== undefined ? r.body : undefined;
      },
      20_000,
      "progress on /status",
    );
    expect(running.output).toEqual({ progress: { percent: 50 }, message: "halfway" });
    const done = await stack.waitDone("e2e", id);
    expect(done).toMatchObject({ status: "COMPLETED", output: { done: true } });
  });

  it("a thrown error fails the job with a JSON error_info string", async () => {
    const id = await stack.submit("e2e", { mode: "throw", message: "kaboom" });
    const done = await stack.waitDone("e2e", id);
    expect(done.status).toBe("FAILED");
    expect(typeof done.error).toBe("string");
    const info = JSON.parse(done.error as string) as Record<string, unknown>;
    expect(info.error_type).toMatch(/TypeError/);
    expect(info.error_message).toBe("kaboom");
    expect(typeof info.error_traceback).toBe("string");
  });

  it("a returned {error} fails the job with that error", async () => {
    const id = await stack.submit("e2e", { mode: "error", message: "bad input: x" });
    const done = await stack.waitDone("e2e", id);
    expect(done.status).toBe("FAILED");
    expect(done.error).toBe("bad input: x");
  });

  it("/health counts the jobs and the connected workers", async () => {
    const r = await stack.call<HealthView>("GET", "/v2/e2e/health");
    expect(r.status).toBe(200);
    expect(r.body.jobs.completed).toBeGreaterThanOrEqual(4);
    expect(r.body.jobs.failed).toBeGreaterThanOrEqual(2);
    expect(r.body.workers.ready + r.body.workers.running + r.body.workers.idle).toBeGreaterThanOrEqual(1);
  });
});
