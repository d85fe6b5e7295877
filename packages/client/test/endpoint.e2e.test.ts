/**
 * Every method of the client against a real server with real worker processes, in every terminal state.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Endpoint,
  GantryHttpError,
  GantryTimeoutError,
  type Job,
  JobFailedError,
  type JobStatus,
} from "../src/index.js";
import { API_KEY, type Stack, startStack, until } from "./stack.js";

let stack: Stack;
let ep: Endpoint;
let idle: Endpoint;

beforeAll(async () => {
  stack = await startStack({ endpoints: [{ id: "cl" }, { id: "idle" }] });
  stack.startWorker("cl", ["--concurrency", "4"]);
  ep = new Endpoint("cl", { apiKey: API_KEY, baseUrl: `${stack.url}/v2/` });
  idle = new Endpoint("idle", { apiKey: API_KEY, baseUrl: `${stack.url}/v2` });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
};

/** Waits until the worker has the job (its status says IN_PROGRESS). */
const untilRunning = (job: Job) =>
  until(async () => (await job.status()).status === "IN_PROGRESS", 20_000, `job ${job.id} running`);

describe("Endpoint against a real server", () => {
  it("runSync returns the final job object (COMPLETED), with timings and worker", async () => {
    const r = await ep.runSync({ value: "hello" }, { timeout: 60_000 });
    expect(r).toMatchObject({ status: "COMPLETED", output: { echo: "hello" }, workerId: "cl-w1" });
    expect(r.id).toMatch(/^sync-/);
    expect(typeof r.executionTime).toBe("number");
  });

  it("runSync keeps the error of a FAILED job (the Python client drops it)", async () => {
    const r = await ep.runSync({ mode: "error", message: "bad input: x" }, { timeout: 60_000 });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("bad input: x");
  });

  it("runSync timeout throws GantryTimeoutError carrying the job id; the job can still be awaited", async () => {
    const err = await ep
      .runSync({ mode: "sleep", ms: 4_000, value: "late" }, { timeout: 1_500 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GantryTimeoutError);
    const t = err as GantryTimeoutError;
    expect(t.jobId).toMatch(/^sync-/);
    expect(["IN_QUEUE", "IN_PROGRESS"]).toContain(t.lastStatus?.status);
    const final = await ep.job(t.jobId as string).wait({ timeout: 30_000 });
    expect(final).toMatchObject({ status: "COMPLETED", output: { value: "late" } });
  });

  it("run → Job: status(), output() via status-sync, lastStatus, status(id) and job(id)", async () => {
    const job = await ep.run({ mode: "sleep", ms: 300, value: 7 });
    expect(job.lastStatus?.status).toBe("IN_QUEUE");
    const s = await job.status();
    expect(s.id).toBe(job.id);
    expect(["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]).toContain(s.status);
    await expect(job.output({ timeout: 30_000 })).resolves.toMatchObject({ slept: 300, value: 7 });
    expect(job.lastStatus?.status).toBe("COMPLETED");
    expect((await ep.status(job.id)).status).toBe("COMPLETED");
    expect(await ep.job(job.id).output()).toMatchObject({ value: 7 });
  });

  it("FAILED: output() throws JobFailedError with the worker's error; wait() returns it; retry() requeues", async () => {
    const job = await ep.run({ mode: "throw", message: "kaboom" });
    const err = await job.output({ timeout: 30_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    const f = err as JobFailedError;
    expect(f.status).toBe("FAILED");
    expect(f.jobId).toBe(job.id);
    expect(JSON.parse(f.error as string)).toMatchObject({ error_message: "kaboom" });
    expect((await job.wait()).status).toBe("FAILED");

    const ack = await job.retry();
    expect(ack).toMatchObject({ id: job.id, status: "IN_QUEUE" });
    expect(job.lastStatus).toBeUndefined();
    expect((await job.wait({ timeout: 30_000 })).status).toBe("FAILED");
  });

  it("CANCELLED: cancel() answers CANCELLED, output() throws, and stream() ends (SSE and polling)", async () => {
    const job = await ep.run({ mode: "wait-abort" });
    await untilRunning(job);
    const sse = collect(job.stream({ transport: "sse", timeout: 30_000 }));
    const poll = collect(job.stream({ transport: "poll", timeout: 30_000 }));
    const ack = await job.cancel();
    expect(ack).toMatchObject({ id: job.id, status: "CANCELLED" });
    await expect(sse).resolves.toEqual([]);
    await expect(poll).resolves.toEqual([]);
    const err = await job.output().catch((e) => e);
    expect(err).toBeInstanceOf(JobFailedError);
    expect((err as JobFailedError).status).toBe("CANCELLED");
  });

  it("TIMED_OUT: an execution timeout ends wait() and stream(); output() throws", async () => {
    const job = await ep.run({ mode: "wait-abort" }, { policy: { executionTimeout: 5_000 } });
    const streamed = collect(job.stream({ timeout: 40_000 }));
    const final = await job.wait({ timeout: 40_000 });
    expect(final.status).toBe("TIMED_OUT");
    await expect(streamed).resolves.toEqual([]);
    const err = await job.output().catch((e) => e);
    expect((err as JobFailedError).status).toBe("TIMED_OUT");
    // retry() accepts TIMED_OUT jobs too; cancel the rerun so the worker is free again.
    expect((await job.retry()).status).toBe("IN_QUEUE");
    expect((await job.cancel()).status).toBe("CANCELLED");
  }, 60_000);

  it("wait() with a timeout throws GantryTimeoutError with the job id while the job keeps running", async () => {
    const job = await ep.run({ mode: "sleep", ms: 3_000 });
    const err = await job.wait({ timeout: 1_200 }).catch((e) => e);
    expect(err).toBeInstanceOf(GantryTimeoutError);
    expect((err as GantryTimeoutError).jobId).toBe(job.id);
    expect((await job.wait({ timeout: 30_000 })).status).toBe("COMPLETED");
  });

  it("stream() over SSE yields every chunk in order and ends on COMPLETED", async () => {
    const chunks = ["a", { b: 2 }, [3], null, 5];
    const job = await ep.run({ mode: "generate", chunks, gapMs: 80 });
    expect(await collect(job.stream({ transport: "sse", timeout: 30_000 }))).toEqual(chunks);
    expect(job.lastStatus?.status).toBe("COMPLETED");
  });

  it("stream() over RunPod's draining long-poll yields the same chunks", async () => {
    const chunks = [1, 2, 3, 4, 5, 6];
    const job = await ep.run({ mode: "generate", chunks, gapMs: 80 });
    expect(await collect(job.stream({ transport: "poll", timeout: 30_000 }))).toEqual(chunks);
  });

  it("stream() auto-detects SSE on Gantry; breaking out of the loop closes the stream", async () => {
    const chunks = ["x", "y", "z", "w"];
    const job = await ep.run({ mode: "generate", chunks, gapMs: 150 });
    const got: unknown[] = [];
    for await (const c of job.stream()) {
      got.push(c);
      if (got.length === 2) break;
    }
    expect(got).toEqual(["x", "y"]);
    // The SSE feed does not drain: RunPod's /stream still holds every chunk.
    expect(await collect(ep.job(job.id).stream({ transport: "poll", timeout: 30_000 }))).toEqual(chunks);
  });

  it("stream() of a handler that returns (no yields) delivers its output once on both transports", async () => {
    const a = await ep.run({ value: "once" });
    const b = await ep.run({ value: "once" });
    expect(await collect(a.stream({ transport: "sse" }))).toEqual([{ echo: "once", worker: "cl-w1" }]);
    expect(await collect(b.stream({ transport: "poll" }))).toEqual([{ echo: "once", worker: "cl-w1" }]);
  });

  it("progress: progressUpdates() by polling /status, and SSE progress events through stream() and onProgress", async () => {
    const polled = await ep.run({ mode: "progress", message: "halfway", ms: 2_500 });
    const values = await collect(
      polled.progressUpdates({ transport: "poll", intervalMs: 200, timeout: 30_000 }),
    );
    expect(values).toEqual([{ progress: { percent: 50 }, message: "halfway" }]);

    const viaSse = await ep.run({ mode: "progress", message: "sse", ms: 2_500 });
    const seen: unknown[] = [];
    const listened: unknown[] = [];
    const stop = viaSse.onProgress((p) => listened.push(p), { transport: "sse" });
    const out = await collect(
      viaSse.stream({ transport: "sse", onProgress: (p) => seen.push(p), timeout: 30_000 }),
    );
    expect(out).toEqual([{ done: true }]);
    expect(seen).toEqual([{ progress: { percent: 50 }, message: "sse" }]);
    await until(() => listened.length > 0, 10_000, "onProgress listener");
    expect(listened).toEqual([{ progress: { percent: 50 }, message: "sse" }]);
    stop();
  });

  it("health() and purgeQueue() return the server's counters", async () => {
    const h = await ep.health();
    expect(ep.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(h.jobs.completed).toBeGreaterThanOrEqual(3);
    expect(h.workers.idle + h.workers.running + (h.workers.ready ?? 0)).toBeGreaterThanOrEqual(1);

    const queued = await Promise.all([idle.run({ n: 1 }), idle.run({ n: 2 })]);
    expect((await idle.health()).jobs.inQueue).toBe(2);
    const purged = await idle.purgeQueue();
    expect(purged).toEqual({ removed: 2, status: "completed" });
    expect((await idle.health()).jobs.inQueue).toBe(0);
    for (const j of queued) {
      const after = await j.status().catch((e: unknown) => e);
      if (after instanceof GantryHttpError) expect(after.status).toBe(404);
      else expect(isTerminalLike(after as JobStatus)).toBe(true);
    }
  });

  it("typed errors: 401 for a bad key, 404 for an unknown job or endpoint, never retried", async () => {
    const bad = new Endpoint("cl", { apiKey: "wrong", baseUrl: `${stack.url}/v2` });
    const e401 = await bad.health().catch((e) => e);
    expect(e401).toBeInstanceOf(GantryHttpError);
    expect((e401 as GantryHttpError).status).toBe(401);
    expect((e401 as GantryHttpError).body).toEqual({ error: "Unauthorized" });
    expect((e401 as GantryHttpError).message).toContain("Unauthorized");

    const e404 = await ep.status("no-such-job").catch((e) => e);
    expect((e404 as GantryHttpError).status).toBe(404);
    expect((e404 as GantryHttpError).message).toContain("job no-such-job not found");
    const s404 = await collect(ep.job("no-such-job").stream()).catch((e) => e);
    expect((s404 as GantryHttpError).status).toBe(404);

    const unknown = new Endpoint("nope", { apiKey: API_KEY, baseUrl: `${stack.url}/v2` });
    const u404 = await unknown.run({}).catch((e) => e);
    expect((u404 as GantryHttpError).status).toBe(404);
  });

  it("an explicit idempotency key returns the same job on a second submission", async () => {
    const a = await idle.run({ same: true }, { idempotencyKey: "order-42" });
    const b = await idle.run({ same: true }, { idempotencyKey: "order-42" });
    expect(b.id).toBe(a.id);
    const c = await idle.run({ same: true });
    expect(c.id).not.toBe(a.id);
    await idle.purgeQueue();
  });
});

function isTerminalLike(s: JobStatus): boolean {
  return ["CANCELLED", "COMPLETED", "FAILED", "TIMED_OUT"].includes(s.status);
}
