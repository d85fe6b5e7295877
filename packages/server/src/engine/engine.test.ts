import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_TAKE_HOLD_MS } from "../domain/long-poll.js";
import { createEngineForTests, type Harness, type HarnessOptions, T0 } from "../testing/test-harness.js";
import type { JobEvent } from "./platform.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const setup = async (o: HarnessOptions = {}): Promise<Harness> => {
  h = await createEngineForTests(o);
  return h;
};

async function submit(input: unknown = { n: 1 }, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await h.engine.submit({ endpointId: "ep", input, sync: false, ...extra });
  if (!r.ok) throw new Error(r.error);
  return r.value.id;
}

/** Submits a job and hands it to `worker`. */
async function started(worker = "w1", extra: Record<string, unknown> = {}): Promise<string> {
  const id = await submit({ n: 1 }, extra);
  const jobs = await h.engine.take("ep", worker, 1, 0);
  expect(jobs.map((j) => j.id)).toEqual([id]);
  return id;
}

describe("submit", () => {
  it("queues a job and answers {id, status} with RunPod-shaped ids", async () => {
    await setup();
    const r = await h.engine.submit({ endpointId: "ep", input: { a: 1 }, sync: false });
    expect(r).toEqual({
      ok: true,
      value: { id: expect.stringMatching(/^[0-9a-f-]{36}-g1$/), status: "IN_QUEUE" },
    });
    const s = await h.engine.submit({ endpointId: "ep", input: null, sync: true });
    expect(s.ok && s.value.id).toMatch(/^sync-[0-9a-f-]{36}-g1$/);
    const job = await h.store.jobs.get(s.ok ? s.value.id : "");
    expect(job).toMatchObject({
      sync: true,
      policy: { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false },
    });
  });

  it.each([
    [{ policy: { ttl: 9999 } }, "policy.ttl must be between 10000 and 604800000 ms"],
    [{ policy: { ttl: "1h" } }, "policy.ttl: must be a number"],
    [
      { policy: { executionTimeout: 604_800_001 } },
      "policy.executionTimeout must be between 5000 and 604800000 ms",
    ],
    [{ policy: { lowPriority: "yes" } }, "policy.lowPriority: must be a boolean"],
    [{ policy: [1] }, "policy: must be an object"],
  ])("rejects %j with a clear 400", async (extra, error) => {
    await setup();
    const r = await h.engine.submit({ endpointId: "ep", input: 1, sync: false, ...(extra as object) });
    expect(r).toEqual({ ok: false, code: 400, error });
    expect(await h.store.jobs.queuedCount("ep")).toBe(0);
  });

  it("applies the endpoint's defaults and the job's own policy", async () => {
    await setup({ endpoints: [{ id: "ep", executionTimeoutMs: 7000, ttlMs: 20_000 }] });
    const a = await submit();
    expect((await h.store.jobs.get(a))?.policy).toEqual({
      executionTimeout: 7000,
      ttl: 20_000,
      lowPriority: false,
    });
    const b = await submit(1, { policy: { ttl: 30_000, lowPriority: true } });
    expect((await h.store.jobs.get(b))?.policy).toEqual({
      executionTimeout: 7000,
      ttl: 30_000,
      lowPriority: true,
    });
  });

  it("answers 404 for an unknown endpoint and 429 when the queue is full", async () => {
    await setup({ endpoints: [{ id: "ep", limits: { maxQueue: 2 } }] });
    expect(await h.engine.submit({ endpointId: "nope", input: 1, sync: false })).toMatchObject({
      ok: false,
      code: 404,
    });
    await submit();
    await submit();
    const r = await h.engine.submit({ endpointId: "ep", input: 1, sync: false });
    expect(r).toMatchObject({ ok: false, code: 429, error: expect.stringContaining("full") });
    await h.engine.take("ep", "w1", 1, 0);
    expect((await h.engine.submit({ endpointId: "ep", input: 1, sync: false })).ok).toBe(true);
  });

  it("returns the same job for a repeated idempotency key", async () => {
    await setup();
    const a = await h.engine.submit({ endpointId: "ep", input: 1, sync: false, idempotencyKey: "k" });
    const b = await h.engine.submit({ endpointId: "ep", input: 2, sync: false, idempotencyKey: "k" });
    expect(a.ok && b.ok && a.value.id === b.value.id).toBe(true);
    expect(await h.store.jobs.queuedCount("ep")).toBe(1);
  });
});

describe("take and putBack", () => {
  it("a waiting take is woken by a submit", async () => {
    await setup();
    const t0 = Date.now();
    const pending = h.engine.take("ep", "w1", 1, 10_000);
    await vi.waitFor(() => expect(h.engine.waiters.sleeping("queue:ep")).toBe(1));
    const id = await submit({ hello: "world" });
    const jobs = await pending;
    expect(jobs).toEqual([
      {
        id,
        input: { hello: "world" },
        policy: { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false },
      },
    ]);
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(h.taken.map((j) => j.id)).toEqual([id]);
  });

  it("returns [] after the hold, or at once when aborted or stopped", async () => {
    await setup();
    expect(await h.engine.take("ep", "w1", 1, 30)).toEqual([]);
    const ctl = new AbortController();
    const p = h.engine.take("ep", "w1", 1, 10_000, ctl.signal);
    await vi.waitFor(() => expect(h.engine.waiters.sleeping("queue:ep")).toBe(1));
    ctl.abort();
    expect(await p).toEqual([]);
    const running = await started();
    const q = h.engine.take("ep", "w1", 1, 10_000);
    const s = h.engine.waitStops("ep", "w1", 10_000);
    const w = h.engine.waitForTerminal("ep", running, 10_000);
    await vi.waitFor(() => expect(h.engine.waiters.sleeping("queue:ep")).toBe(1));
    await h.engine.stop();
    expect(await q).toEqual([]);
    expect(await s).toEqual([]);
    expect((await w)?.status).toBe("IN_PROGRESS");
  });

  it("holds job-take and job-stop for the server's default hold when built without one", async () => {
    // The engine's own default once differed from the config's (25 against 55 s).
    await setup({ options: { takeHoldMs: undefined, stopHoldMs: undefined } });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      const ended: string[] = [];
      const take = h.engine.take("ep", "w1", 1, 120_000).then(() => ended.push("take"));
      const stops = h.engine.waitStops("ep", "w1", 120_000).then(() => ended.push("stop"));
      await vi.advanceTimersByTimeAsync(DEFAULT_TAKE_HOLD_MS - 1_000);
      expect(ended).toEqual([]);
      await vi.advanceTimersByTimeAsync(2_000);
      await Promise.all([take, stops]);
      expect(ended.sort()).toEqual(["stop", "take"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("never hands out more than max, FIFO, with every job field passed through", async () => {
    await setup();
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await submit(i));
    const withFields = await submit("x", {
      webhook: "http://127.0.0.1:9/h",
      s3Config: { bucketName: "b" },
      extra: { batchId: "B", id: "spoof" },
      policy: { executionTimeout: 9000 },
    });
    const first = await h.engine.take("ep", "w1", 3, 0);
    expect(first.map((j) => j.id)).toEqual(ids.slice(0, 3));
    const rest = await h.engine.take("ep", "w2", 10, 0);
    expect(rest.map((j) => j.id)).toEqual([...ids.slice(3), withFields]);
    expect(rest.at(-1)).toEqual({
      id: withFields,
      input: "x",
      webhook: "http://127.0.0.1:9/h",
      s3Config: { bucketName: "b" },
      batchId: "B",
      policy: { executionTimeout: 9000, ttl: 86_400_000, lowPriority: false },
    });
  });

  it("serves normal priority before low priority", async () => {
    await setup();
    const low = await submit(1, { policy: { lowPriority: true } });
    const normal = await submit(2);
    expect((await h.engine.take("ep", "w1", 1, 0))[0]?.id).toBe(normal);
    expect((await h.engine.take("ep", "w1", 1, 0))[0]?.id).toBe(low);
  });

  it("putBack returns jobs to the head of the queue without a retry", async () => {
    await setup();
    const a = await submit("a");
    const b = await submit("b");
    await h.engine.take("ep", "w1", 1, 0);
    await h.engine.putBack("ep", "w1", [a]);
    const view = await h.engine.status("ep", a);
    expect(view).toEqual({ id: a, status: "IN_QUEUE" });
    expect((await h.engine.take("ep", "w2", 2, 0)).map((j) => j.id)).toEqual([a, b]);
    expect((await h.engine.health("ep")).jobs.retried).toBe(0);
  });
});

describe("results", () => {
  it("progress shows as output while running; the result ends the job; late progress is ignored", async () => {
    await setup();
    const id = await started();
    h.advance(1500);
    expect(await h.engine.status("ep", id)).toEqual({
      id,
      status: "IN_PROGRESS",
      delayTime: 0,
      input: { n: 1 },
      workerId: "w1",
    });
    expect(
      await h.engine.workerDone("ep", "w1", id, { status: "IN_PROGRESS", output: { p: "1/2" } }, false),
    ).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await h.engine.status("ep", id)).toMatchObject({
      status: "IN_PROGRESS",
      output: { p: "1/2" },
      executionTime: 1500,
    });
    h.advance(500);
    expect((await h.engine.workerDone("ep", "w1", id, { output: { r: 42 } }, false)).ok).toBe(true);
    expect(
      (await h.engine.workerDone("ep", "w1", id, { status: "IN_PROGRESS", output: "late" }, false)).ok,
    ).toBe(true);
    expect((await h.engine.workerDone("ep", "w1", id, { output: "again" }, false)).ok).toBe(true);
    expect(await h.engine.status("ep", id)).toEqual({
      id,
      status: "COMPLETED",
      delayTime: 0,
      executionTime: 2000,
      output: { r: 42 },
      workerId: "w1",
    });
    expect(h.terminal.map((j) => j.id)).toEqual([id]);
  });

  it("a truthy error fails the job, keeping any output; a falsy one does not", async () => {
    await setup();
    const a = await started();
    await h.engine.workerDone("ep", "w1", a, { error: "boom", output: { partial: true } }, false);
    expect(await h.engine.status("ep", a)).toMatchObject({
      status: "FAILED",
      error: "boom",
      output: { partial: true },
      input: { n: 1 },
    });
    const b = await started();
    await h.engine.workerDone("ep", "w1", b, { error: "", output: 1 }, false);
    expect(await h.engine.status("ep", b)).toMatchObject({ status: "COMPLETED", output: 1 });
    const c = await started();
    await h.engine.workerDone("ep", "w1", c, {}, false);
    const v = await h.engine.status("ep", c);
    expect(v?.status).toBe("COMPLETED");
    expect(v).not.toHaveProperty("output");
  });

  it("answers 404 for unknown jobs, jobs held by another worker and jobs of another endpoint", async () => {
    await setup();
    const id = await started("w1");
    expect(await h.engine.workerDone("ep", "w1", "nope", { output: 1 }, false)).toMatchObject({
      ok: false,
      code: 404,
    });
    expect(await h.engine.workerDone("ep", "w2", id, { output: 1 }, false)).toMatchObject({
      ok: false,
      code: 404,
    });
    expect(await h.engine.workerDone("other", "w1", id, { output: 1 }, false)).toMatchObject({
      ok: false,
      code: 404,
    });
    expect(await h.engine.workerStream("ep", "w2", id, 1)).toMatchObject({ ok: false, code: 404 });
    expect((await h.engine.status("ep", id))?.status).toBe("IN_PROGRESS");
  });

  it("stopPod marks the worker for recycling", async () => {
    await setup();
    const id = await started("w1");
    await h.engine.workerDone("ep", "w1", id, { output: 1, stopPod: true }, false);
    expect(h.engine.workers.shouldRecycle("w1")).toBe(true);
    expect((await h.engine.health("ep")).workers).toMatchObject({ idle: 1, ready: 0 });
  });

  it("waitForTerminal is woken by the result", async () => {
    await setup();
    const id = await started();
    const p = h.engine.waitForTerminal("ep", id, 10_000);
    await vi.waitFor(() => expect(h.engine.waiters.sleeping(`job:${id}`)).toBe(1));
    await h.engine.workerDone("ep", "w1", id, { output: "ok" }, false);
    expect(await p).toMatchObject({ status: "COMPLETED", output: "ok" });
    expect(await h.engine.waitForTerminal("ep", "nope", 10)).toBeUndefined();
    const q = await submit();
    expect(await h.engine.waitForTerminal("ep", q, 20)).toEqual({ id: q, status: "IN_QUEUE" });
  });

  it("waitForTerminal answers from the record the result committed, without reading the job again", async () => {
    await setup();
    const id = await started();
    const p = h.engine.waitForTerminal("ep", id, 10_000);
    await vi.waitFor(() => expect(h.engine.waiters.sleeping(`job:${id}`)).toBe(1));
    const reads = vi.spyOn(h.store.jobs, "get");
    await h.engine.workerDone("ep", "w1", id, { output: "ok" }, false);
    expect(await p).toMatchObject({ id, status: "COMPLETED", output: "ok" });
    expect(reads).not.toHaveBeenCalled();
    // A wake-up that carries no record (another node's, or a progress update) still reads the job.
    const other = await started();
    const q = h.engine.waitForTerminal("ep", other, 10_000);
    await vi.waitFor(() => expect(h.engine.waiters.sleeping(`job:${other}`)).toBe(1));
    h.engine.waiters.deliver(`job:${other}`);
    await vi.waitFor(() => expect(reads).toHaveBeenCalledWith(other));
    await h.engine.workerDone("ep", "w1", other, { output: "later" }, false);
    expect(await q).toMatchObject({ id: other, status: "COMPLETED", output: "later" });
  });
});

describe("streaming", () => {
  it("drains chunks once, long-polls for the next one, and ends with a terminal empty stream", async () => {
    await setup();
    const id = await started();
    await h.engine.workerStream("ep", "w1", id, { t: "a" });
    await h.engine.workerStream("ep", "w1", id, { t: "b" });
    expect(await h.engine.drainStream("ep", id, 10_000)).toEqual({
      status: "IN_PROGRESS",
      stream: [{ output: { t: "a" } }, { output: { t: "b" } }],
    });
    const next = h.engine.drainStream("ep", id, 10_000);
    await vi.waitFor(() => expect(h.engine.waiters.sleeping(`job:${id}`)).toBe(1));
    await h.engine.workerStream("ep", "w1", id, { t: "c" });
    expect(await next).toEqual({ status: "IN_PROGRESS", stream: [{ output: { t: "c" } }] });
    expect(await h.engine.drainStream("ep", id, 20)).toEqual({ status: "IN_PROGRESS", stream: [] });
    const last = h.engine.drainStream("ep", id, 10_000);
    await vi.waitFor(() => expect(h.engine.waiters.sleeping(`job:${id}`)).toBe(1));
    await h.engine.workerDone("ep", "w1", id, { output: [] }, true);
    expect(await last).toEqual({ status: "COMPLETED", stream: [] });
    expect(await h.engine.status("ep", id)).toMatchObject({ status: "COMPLETED", output: [] });
    expect(await h.engine.workerStream("ep", "w1", id, "late")).toEqual({ ok: true, value: undefined });
    expect(await h.engine.drainStream("ep", id, 10_000)).toEqual({ status: "COMPLETED", stream: [] });
    expect(await h.engine.drainStream("ep", "nope", 10)).toBeUndefined();
  });

  it("hands a non-generator job's output out once as a stream element", async () => {
    await setup();
    const id = await started();
    await h.engine.workerDone("ep", "w1", id, { output: { answer: 42 } }, false);
    expect(await h.engine.drainStream("ep", id, 1000)).toEqual({
      status: "COMPLETED",
      stream: [{ output: { answer: 42 } }],
    });
    expect(await h.engine.drainStream("ep", id, 1000)).toEqual({ status: "COMPLETED", stream: [] });
  });

  it("SSE replays, follows, resumes after an event id without duplicates, and ends on the terminal status", async () => {
    await setup();
    const id = await started();
    await h.engine.workerStream("ep", "w1", id, "c1");
    const events: JobEvent[] = [];
    const unsubscribe = await h.engine.subscribe("ep", id, 0, (e) => events.push(e));
    expect(unsubscribe).toBeTypeOf("function");
    expect(events).toEqual([
      { id: 1, type: "chunk", seq: 1, output: "c1" },
      { id: 1, type: "status", job: expect.objectContaining({ status: "IN_PROGRESS" }) },
    ]);
    await h.engine.workerStream("ep", "w1", id, "c2");
    await h.engine.workerDone("ep", "w1", id, { status: "IN_PROGRESS", output: { p: 1 } }, false);
    await h.engine.workerStream("ep", "w1", id, "c3");
    await h.engine.workerDone("ep", "w1", id, { output: ["c1", "c2", "c3"] }, true);
    await vi.waitFor(() => expect(events.at(-1)?.type).toBe("status"));
    await vi.waitFor(() =>
      expect((events.at(-1) as { job?: { status: string } }).job?.status).toBe("COMPLETED"),
    );
    const chunks = events
      .filter((e) => e.type === "chunk")
      .map((e) => (e.type === "chunk" ? e.output : null));
    expect(chunks).toEqual(["c1", "c2", "c3"]);
    expect(events.some((e) => e.type === "progress" && e.id === 2)).toBe(true);
    const ids = events.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(events.at(-1)).toMatchObject({
      id: 3,
      type: "status",
      job: { status: "COMPLETED", output: ["c1", "c2", "c3"] },
    });

    // resume: only what came after event 1, then the final status
    const resumed: JobEvent[] = [];
    await h.engine.subscribe("ep", id, 1, (e) => resumed.push(e));
    expect(resumed.map((e) => [e.type, e.id])).toEqual([
      ["chunk", 2],
      ["chunk", 3],
      ["status", 3],
    ]);
    // SSE never consumed the /stream cursor
    expect((await h.engine.drainStream("ep", id, 10))?.stream).toHaveLength(3);
    expect(await h.engine.subscribe("ep", "nope", 0, () => {})).toBeUndefined();
  });

  it("an unsubscribed feed receives nothing more", async () => {
    await setup();
    const id = await started();
    const events: JobEvent[] = [];
    const off = await h.engine.subscribe("ep", id, 0, (e) => events.push(e));
    off?.();
    await h.engine.workerStream("ep", "w1", id, "x");
    await h.engine.workerDone("ep", "w1", id, { output: 1 }, false);
    expect(events.map((e) => e.type)).toEqual(["status"]);
  });
});

describe("cancel, timeouts, TTL, retention", () => {
  it("cancels a queued job at once", async () => {
    await setup();
    const id = await submit();
    expect(await h.engine.cancel("ep", id)).toEqual({ id, status: "CANCELLED" });
    expect(await h.engine.take("ep", "w1", 1, 0)).toEqual([]);
    expect(await h.engine.cancel("ep", "nope")).toBeUndefined();
  });

  it("cancels a running job and delivers a stop to its worker's job-stop long-poll", async () => {
    await setup();
    const id = await started("w9");
    const stops = h.engine.waitStops("ep", "w9", 10_000);
    await vi.waitFor(() => expect(h.engine.waiters.sleeping("stop:w9")).toBe(1));
    expect(await h.engine.cancel("ep", id)).toMatchObject({ id, status: "CANCELLED", workerId: "w9" });
    expect(await stops).toEqual([id]);
    expect(await h.engine.waitStops("ep", "w9", 20)).toEqual([]);
    // a result posted afterwards changes nothing
    expect((await h.engine.workerDone("ep", "w9", id, { output: 1 }, false)).ok).toBe(true);
    expect(await h.engine.cancel("ep", id)).toMatchObject({ status: "CANCELLED" });
    expect(h.terminal.map((j) => j.status)).toEqual(["CANCELLED"]);
  });

  it("times a job out after its execution timeout and stops the worker", async () => {
    await setup();
    const id = await started("w1", { policy: { executionTimeout: 5000 } });
    await h.engine.ping("ep", "w1", { jobIds: [id] });
    h.advance(4999);
    await h.tick();
    expect((await h.engine.status("ep", id))?.status).toBe("IN_PROGRESS");
    h.advance(1);
    await h.tick();
    expect(await h.engine.status("ep", id)).toMatchObject({
      status: "TIMED_OUT",
      error: "job exceeded its execution timeout of 5000 ms",
    });
    expect(await h.engine.waitStops("ep", "w1", 10)).toEqual([id]);
  });

  it("deletes a job when its TTL ends, stopping it if it runs", async () => {
    await setup();
    const running = await started("w1", { policy: { ttl: 10_000 } });
    const queued = await submit(1, { policy: { ttl: 10_000 } });
    const wait = h.engine.waitForTerminal("ep", running, 10_000);
    h.advance(10_000);
    await h.tick();
    expect(await h.engine.status("ep", queued)).toBeUndefined();
    expect(await h.engine.status("ep", running)).toBeUndefined();
    expect(await wait).toBeUndefined();
    expect(await h.engine.waitStops("ep", "w1", 10)).toEqual([running]);
    expect(await h.engine.workerDone("ep", "w1", running, { output: 1 }, false)).toMatchObject({ code: 404 });
  });

  it("deletes finished jobs after retention: 30 min for /run, 60 s for /runsync", async () => {
    await setup();
    const a = await started();
    const s = await h.engine.submit({ endpointId: "ep", input: 1, sync: true });
    const sid = s.ok ? s.value.id : "";
    await h.engine.take("ep", "w1", 1, 0);
    await h.engine.workerDone("ep", "w1", a, { output: 1 }, false);
    await h.engine.workerDone("ep", "w1", sid, { output: 1 }, false);
    await h.engine.ping("ep", "w1", {});
    h.advance(60_000);
    await h.tick();
    expect(await h.engine.status("ep", sid)).toBeUndefined();
    expect((await h.engine.status("ep", a))?.status).toBe("COMPLETED");
    h.advance(30 * 60_000);
    await h.tick();
    expect(await h.engine.status("ep", a)).toBeUndefined();
  });
});

describe("leases", () => {
  it("requeues a job whose worker stopped pinging, and fails it after maxRetries", async () => {
    await setup({ endpoints: [{ id: "ep", maxRetries: 1 }] });
    const id = await started("w1");
    h.advance(29_999);
    await h.tick();
    expect((await h.engine.status("ep", id))?.status).toBe("IN_PROGRESS");
    h.advance(1);
    await h.tick();
    expect(await h.engine.status("ep", id)).toEqual({ id, status: "IN_QUEUE", retries: 1 });
    expect((await h.engine.health("ep")).jobs.retried).toBe(1);
    expect((await h.engine.take("ep", "w2", 1, 0))[0]?.id).toBe(id);
    h.advance(30_000);
    await h.tick();
    expect(await h.engine.status("ep", id)).toMatchObject({
      status: "FAILED",
      retries: 1,
      error: expect.stringContaining("worker w2 stopped responding"),
    });
    expect(h.terminal.map((j) => j.id)).toEqual([id]);
  });

  it("pings naming the job keep it; progress and chunks renew the lease too", async () => {
    await setup();
    const id = await started("w1");
    for (let i = 0; i < 5; i++) {
      h.advance(20_000);
      await h.engine.ping("ep", "w1", { jobIds: [id, "unknown"], version: "1.12.0" });
      await h.tick();
    }
    h.advance(20_000);
    await h.engine.workerDone("ep", "w1", id, { status: "IN_PROGRESS", output: 1 }, false);
    h.advance(20_000);
    await h.engine.workerStream("ep", "w1", id, "c");
    h.advance(20_000);
    await h.tick();
    expect(await h.engine.status("ep", id)).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });
    // another worker's ping does not extend it
    h.advance(15_000);
    await h.engine.ping("ep", "w2", { jobIds: [id] });
    await h.tick();
    expect((await h.engine.status("ep", id))?.status).toBe("IN_QUEUE");
  });
});

describe("retry and purge", () => {
  it("retries FAILED jobs under the same id and refuses others with a clear 400", async () => {
    await setup();
    const id = await started();
    await h.engine.workerDone("ep", "w1", id, { error: "x" }, false);
    expect(await h.engine.retry("ep", id)).toEqual({ ok: true, value: { id, status: "IN_QUEUE" } });
    expect(await h.engine.retry("ep", id)).toEqual({
      ok: false,
      code: 400,
      error: `job ${id} is IN_QUEUE; only FAILED or TIMED_OUT jobs can be retried`,
    });
    expect((await h.engine.take("ep", "w1", 1, 0))[0]?.id).toBe(id);
    await h.engine.workerDone("ep", "w1", id, { output: "second time" }, false);
    expect(await h.engine.status("ep", id)).toMatchObject({ status: "COMPLETED", output: "second time" });
    expect(await h.engine.retry("ep", "nope")).toMatchObject({ ok: false, code: 404 });
  });

  it("purges queued jobs only and reports how many", async () => {
    await setup();
    const run = await started();
    const q1 = await submit();
    await submit();
    expect(await h.engine.purgeQueue("ep")).toBe(2);
    expect(await h.engine.status("ep", q1)).toBeUndefined();
    expect((await h.engine.status("ep", run))?.status).toBe("IN_PROGRESS");
    expect(await h.engine.purgeQueue("nope")).toBe(0);
  });
});

describe("health", () => {
  it("counts jobs and workers by state, and explains unhealthy workers", async () => {
    await setup();
    const a = await started("w1");
    const b = await started("w1");
    await h.engine.workerDone("ep", "w1", a, { output: 1 }, false);
    await h.engine.workerDone("ep", "w1", b, { error: "e" }, false);
    await started("w2");
    await submit();
    await h.engine.ping("ep", "w3", {});
    expect(await h.engine.health("ep")).toEqual({
      jobs: { completed: 1, failed: 1, inProgress: 1, inQueue: 1, retried: 0, cancelled: 0, timedOut: 0 },
      workers: { idle: 2, initializing: 0, ready: 2, running: 1, throttled: 0, unhealthy: 0 },
    });
    await h.engine.ping("ep", "w4", {
      status: "unhealthy",
      check: "check_gpu",
      reason: "RuntimeError: no GPU",
    });
    const health = await h.engine.health("ep");
    expect(health.workers.unhealthy).toBe(1);
    expect(health.hints).toEqual(["worker w4 is unhealthy (check_gpu: RuntimeError: no GPU)"]);
    // a waiting job explains itself only when every worker is unhealthy
    const queued = await submit();
    expect((await h.engine.status("ep", queued))?.hint).toBeUndefined();
  });

  it("hints on a queued job when every worker is unhealthy, and forgets quiet workers", async () => {
    await setup();
    await h.engine.ping("ep", "w1", { status: "unhealthy", check: "fit", reason: "bad" });
    const id = await submit();
    expect((await h.engine.status("ep", id))?.hint).toBe(
      "every worker of endpoint ep is unhealthy: worker w1 is unhealthy (fit: bad)",
    );
    await h.engine.ping("ep", "w2", {});
    h.advance(31_000);
    await h.tick();
    expect((await h.engine.health("ep")).workers).toMatchObject({ idle: 0, unhealthy: 1 });
    h.advance(600_000);
    await h.tick();
    expect((await h.engine.health("ep")).workers.unhealthy).toBe(0);
  });

  it("answers at once and empty for an unknown endpoint, a negative wait or an unknown job", async () => {
    await setup();
    await submit();
    await expect(h.engine.take("nope", "w1", 1, 10)).resolves.toEqual([]);
    await expect(h.engine.waitStops("ep", "w1", -5)).resolves.toEqual([]);
    await expect(h.engine.ping("nope", "w1", { jobIds: ["x"] })).resolves.toBeUndefined();
    await expect(h.engine.workerStream("ep", "w1", "nope", 1)).resolves.toMatchObject({ code: 404 });
    expect(await h.store.jobs.queuedCount("ep")).toBe(1);
    expect(T0).toBeGreaterThan(0);
  });
});
