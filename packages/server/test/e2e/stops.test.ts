/**
 * Jobs the platform ends: cancel of a running job, execution timeout, TTL expiry. A running job's worker must
 * be told (its handler's signal fires) and must post nothing afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../src/domain/job.js";
import { type Stack, startStack, until } from "./harness.js";

let stack: Stack;
let markers: string;

beforeAll(async () => {
  markers = mkdtempSync(join(tmpdir(), "gantry-e2e-markers-"));
  stack = await startStack({ endpoints: [{ id: "stops" }, { id: "idle" }] });
  stack.startWorker("stops");
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(markers, { recursive: true, force: true });
});

const read = (file: string): string => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

describe("e2e: stopping jobs", () => {
  it("cancel of a running job: worker's signal fires, job CANCELLED, no result posted", async () => {
    // A finished job first, so the job-done counter is known to count this route.
    await stack.waitDone("stops", await stack.submit("stops", { value: "warm" }));
    expect(await stack.requestCount("job-done")).toBeGreaterThanOrEqual(1);
    const marker = join(markers, "cancel.log");
    const id = await stack.submit("stops", { mode: "wait-abort", marker });
    await until(() => read(marker).includes(`started ${id}`), 20_000, "job started");
    const donePosts = await stack.requestCount("job-done");

    const r = await stack.call<JobView>("POST", `/v2/stops/cancel/${id}`, {});
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("CANCELLED");
    await until(() => read(marker).includes(`aborted ${id}`), 15_000, "worker's abort signal");
    // The handler resolves 100 ms after the abort; give a late post ample time to show up.
    await new Promise((res) => setTimeout(res, 1_500));
    expect(await stack.requestCount("job-done")).toBe(donePosts);
    const after = await stack.status("stops", id);
    expect(after.body.status).toBe("CANCELLED");
    expect(after.body.output).toBeUndefined();

    // The worker is free again.
    const next = await stack.waitDone("stops", await stack.submit("stops", { value: "next" }));
    expect(next).toMatchObject({ status: "COMPLETED", output: { echo: "next" } });
  });

  it("execution timeout: TIMED_OUT and the worker is told to stop", async () => {
    const marker = join(markers, "timeout.log");
    const id = await stack.submit(
      "stops",
      { mode: "wait-abort", marker },
      { policy: { executionTimeout: 5_000 } },
    );
    await until(() => read(marker).includes(`started ${id}`), 20_000, "job started");
    const done = await stack.waitDone("stops", id, 30_000);
    expect(done.status).toBe("TIMED_OUT");
    await until(() => read(marker).includes(`aborted ${id}`), 15_000, "stop delivered to the worker");
    await new Promise((res) => setTimeout(res, 1_000));
    expect((await stack.status("stops", id)).body.status).toBe("TIMED_OUT");
  });

  it("TTL expiry: a job past its ttl is gone (404)", async () => {
    // No worker on "idle": the job waits in the queue until its 10 s TTL (the minimum) runs out.
    const id = await stack.submit("idle", { value: 1 }, { policy: { ttl: 10_000 } });
    expect((await stack.status("idle", id)).body.status).toBe("IN_QUEUE");
    const gone = await until(
      async () => {
        const r = await stack.status("idle", id);
        return r.status === 404 ? r : undefined;
      },
      25_000,
      "job expiry",
    );
    expect(gone.body).toEqual({ error: `job ${id} not found` });
    const health = await stack.call<{ jobs: { inQueue: number } }>("GET", "/v2/idle/health");
    expect(health.body.jobs.inQueue).toBe(0);
  }, 40_000);
});
