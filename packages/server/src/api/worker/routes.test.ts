import { request } from "undici";
import { afterEach, describe, expect, test } from "vitest";
import { type Api, startApi, until, WORKER_SECRET } from "../__tests__/fixture.js";
import { gatedTake } from "../__tests__/gated-take.js";

let s: Api;
afterEach(async () => {
  await s?.close();
});

const W = { auth: WORKER_SECRET };

describe("worker auth", () => {
  test("raw secret and Bearer accepted; API keys and wrong secrets refused", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    expect((await s.call("/v2/ep1/ping/w1", { auth: WORKER_SECRET })).status).toBe(200);
    expect((await s.call("/v2/ep1/ping/w1", { auth: `Bearer ${WORKER_SECRET}` })).status).toBe(200);
    await s.submit();
    for (const auth of [null, "wrong", "Bearer test-api-key"]) {
      const r = await s.call("/v2/ep1/job-take/w1?gpu=none", { auth });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: "Unauthorized" });
    }
    expect(await s.queued()).toBe(1);
    // The worker secret is not an API key either.
    expect((await s.call("/v2/ep1/run", { json: { input: 1 }, auth: WORKER_SECRET })).status).toBe(401);
  });

  test("unknown endpoint → 404; a literal $RUNPOD_POD_ID worker id → 400", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    expect((await s.call("/v2/zzz/job-take/w1?gpu=none", W)).json).toEqual({
      error: "endpoint zzz not found",
    });
    const r = await s.call("/v2/ep1/job-take/$RUNPOD_POD_ID?gpu=none", W);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/worker id .* is invalid/);
  });
});

describe("job-take", () => {
  test("204 after the hold when nothing is queued", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    const started = Date.now();
    const r = await s.call("/v2/ep1/job-take/w1?gpu=none&job_in_progress=0", W);
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test("200 with one job object as soon as a job arrives", async () => {
    s = await startApi({ limits: { takeHoldMs: 60_000 } });
    const pending = s.call("/v2/ep1/job-take/w1?gpu=none&job_in_progress=0", W);
    await until(() => s.engine.waiters.sleeping("queue:ep1") === 1);
    const id = await s.submit();
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    expect(r.json).toEqual({
      id,
      input: { x: 1 },
      policy: { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false },
    });
    expect(await s.status(id)).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });
  });

  test("batch: array of at most batch_size jobs in FIFO order; invalid batch_size → 400", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    for (let i = 0; i < 5; i++) await s.submit(i);
    const r = await s.call("/v2/ep1/job-take-batch/w1?gpu=none&batch_size=3&job_in_progress=0", W);
    expect(r.status).toBe(200);
    expect(r.json.map((j: { input: unknown }) => j.input)).toEqual([0, 1, 2]);
    const rest = await s.call("/v2/ep1/job-take-batch/w1?gpu=none&batch_size=3", W);
    expect(rest.json.map((j: { input: unknown }) => j.input)).toEqual([3, 4]);
    for (const bad of ["0", "-1", "abc", "1.5", "100000"]) {
      const b = await s.call(`/v2/ep1/job-take-batch/w1?gpu=none&batch_size=${bad}`, W);
      expect(b.status, bad).toBe(400);
      expect(b.json.error).toMatch(/^batch_size is invalid/);
    }
  });

  test("never hands out more than asked, even if the engine returns more; extras go back", async () => {
    // Fault injection: an engine that ignores `max`.
    s = await startApi({
      limits: { takeHoldMs: 1000 },
      platform: (engine) => {
        const orig = engine.take.bind(engine);
        engine.take = (ep, w, _max, ms, signal) => orig(ep, w, 5, ms, signal);
        return engine;
      },
    });
    const a = await s.submit("a");
    const b = await s.submit("b");
    const r = await s.call("/v2/ep1/job-take/w1?gpu=none", W);
    expect(r.json).toMatchObject({ id: a, input: "a" });
    expect(await s.status(a)).toMatchObject({ status: "IN_PROGRESS" });
    expect(await s.status(b)).toEqual({ id: b, status: "IN_QUEUE" });
    expect((await s.store.jobs.get(b))?.retries).toBe(0);
  });

  test("jobs assigned after the client went away are put back at the head, not as a retry", async () => {
    // Hold the engine's take until the client has gone, so the answer is written to a closed socket.
    const gated = gatedTake({ passSignal: false });
    s = await startApi({ limits: { takeHoldMs: 60_000 }, platform: gated.install });
    const id = await s.submit(1);
    const later = await s.submit(2);
    const ac = new AbortController();
    const pending = s
      .call("/v2/ep1/job-take/w1?gpu=none", { ...W, signal: ac.signal })
      .catch(() => "aborted");
    const takeSignal = await gated.inTake;
    ac.abort();
    expect(await pending).toBe("aborted");
    if (!takeSignal?.aborted)
      await new Promise((r) => takeSignal?.addEventListener("abort", r, { once: true }));
    gated.release();
    expect(await gated.putBackDone).toEqual([id]);
    const back = await s.store.jobs.get(id);
    expect(back).toMatchObject({ status: "IN_QUEUE", retries: 0 });
    expect(back?.workerId).toBeUndefined();
    expect((await s.take("w2")).id).toBe(id);
    expect((await s.take("w2")).id).toBe(later);
  });
});

describe("job-stop", () => {
  test("204 after the hold; {jobsToStop} as soon as a running job is cancelled", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    expect((await s.call("/v2/ep1/job-stop/w1?gpu=none", W)).status).toBe(204);
    const id = await s.submit();
    await s.take("w1");
    const pending = s.call("/v2/ep1/job-stop/w1?gpu=none", W);
    await until(() => s.engine.waiters.sleeping("stop:w1") === 1);
    await s.call(`/v2/ep1/cancel/${id}`, { method: "POST" });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ jobsToStop: [id] });
    // Delivered once.
    expect((await s.call("/v2/ep1/job-stop/w1?gpu=none", W)).status).toBe(204);
  });
});

describe("job-stop delivery", () => {
  test("stop ids answered to a client that already left are delivered by the next poll", async () => {
    // Hold the engine's waitStops until the client has gone, so the answer is written to a closed socket.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered!: (signal: AbortSignal | undefined) => void;
    const inWait = new Promise<AbortSignal | undefined>((r) => {
      entered = r;
    });
    let putBack!: (ids: string[]) => void;
    const putBackDone = new Promise<string[]>((r) => {
      putBack = r;
    });
    let first = true;
    s = await startApi({
      limits: { takeHoldMs: 60_000 },
      platform: (engine) => {
        const orig = engine.waitStops.bind(engine);
        engine.waitStops = async (ep, w, ms, signal) => {
          if (!first) return orig(ep, w, ms, signal);
          first = false;
          entered(signal);
          await gate;
          return orig(ep, w, 0);
        };
        const origPutBack = engine.putBackStops.bind(engine);
        engine.putBackStops = async (ep, w, ids) => {
          await origPutBack(ep, w, ids);
          putBack(ids);
        };
        return engine;
      },
    });
    const id = await s.submit();
    await s.take("w1");
    await s.call(`/v2/ep1/cancel/${id}`, { method: "POST" });
    const ac = new AbortController();
    const pending = s
      .call("/v2/ep1/job-stop/w1?gpu=none", { ...W, signal: ac.signal })
      .catch(() => "aborted");
    const signal = await inWait;
    ac.abort();
    expect(await pending).toBe("aborted");
    if (!signal?.aborted) await new Promise((r) => signal?.addEventListener("abort", r, { once: true }));
    release();
    expect(await putBackDone).toEqual([id]);
    const next = await s.call("/v2/ep1/job-stop/w1?gpu=none", W);
    expect(next.status).toBe(200);
    expect(next.json).toEqual({ jobsToStop: [id] });
  });
});

describe("job-done", () => {
  test("parses raw JSON sent as form content, maps NaN/Infinity to null, answers 200 {}", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    const id = await s.submit();
    await s.take();
    const body = '{"output": {"a": NaN, "b": [Infinity, -Infinity], "s": "NaN Infinity"}}';
    const r = await s.worker(`/v2/ep1/job-done/w1/${id}?gpu=none&isStream=false`, body);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    expect(await s.status(id)).toMatchObject({
      status: "COMPLETED",
      output: { a: null, b: [null, null], s: "NaN Infinity" },
    });
    // A repeat of an already-recorded result is a no-op 200 (the Python SDK retries on 5xx).
    expect((await s.worker(`/v2/ep1/job-done/w1/${id}?isStream=false`, '{"output": 2}')).status).toBe(200);
    expect((await s.status(id)).output).toEqual({ a: null, b: [null, null], s: "NaN Infinity" });
  });

  test("progress, error, stopPod and isStream reach the engine", async () => {
    s = await startApi();
    const id = await s.submit();
    await s.take();
    await s.done("w1", id, { status: "IN_PROGRESS", output: { progress: 3 } });
    expect(await s.status(id)).toMatchObject({ status: "IN_PROGRESS", output: { progress: 3 } });
    await s.done("w1", id, { error: "bad", output: [], stopPod: true }, true);
    expect(await s.status(id)).toMatchObject({ status: "FAILED", error: "bad", output: [] });
    expect((await s.store.jobs.get(id))?.generator).toBe(true);
    const [w] = await s.engine.listWorkers("ep1");
    expect(w).toMatchObject({ id: "w1", recycle: true });
  });

  test("malformed bodies → 400 and the job is untouched", async () => {
    s = await startApi();
    const id = await s.submit();
    await s.take();
    for (const body of ["{", "[1,2]", '"x"', "", '{"status": 5}']) {
      const r = await s.worker(`/v2/ep1/job-done/w1/${id}?gpu=none&isStream=false`, body);
      expect(r.status, body).toBe(400);
      expect(typeof r.json.error).toBe("string");
    }
    const after = await s.store.jobs.get(id);
    expect(after).toMatchObject({ status: "IN_PROGRESS", workerId: "w1", hasOutput: false });
    expect(after?.error).toBeUndefined();
  });

  test("unknown job → 404; a job held by another worker → the engine's 404", async () => {
    s = await startApi();
    const r = await s.worker("/v2/ep1/job-done/w1/ghost?gpu=none", '{"output":1}');
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: "job ghost not found" });
    const id = await s.submit();
    await s.take("w1");
    const other = await s.worker(`/v2/ep1/job-done/w2/${id}?gpu=none`, '{"output":1}');
    expect(other.status).toBe(404);
    expect(other.json).toEqual({ error: `job ${id} is not held by worker w2` });
  });

  test("a result over the limit → 400, and the job is failed with a clear error", async () => {
    s = await startApi({ limits: { resultBytes: 32 * 1024 } });
    const id = await s.submit();
    await s.take();
    const body = JSON.stringify({ output: "x".repeat(64 * 1024) });
    const r = await s.worker(`/v2/ep1/job-done/w1/${id}?gpu=none&isStream=false`, body);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: "result is too large; max size is 32 KB" });
    const status = await s.status(id);
    expect(status.status).toBe("FAILED");
    expect(status.error).toMatch(/result too large.*32 KB/);
  });
});

describe("job-stream and ping", () => {
  test("job-stream appends {output}; chunks over 1 MB → 400; missing output → 400", async () => {
    s = await startApi();
    const id = await s.submit();
    await s.take();
    const url = `/v2/ep1/job-stream/w1/${id}?gpu=none&isStream=false`;
    expect((await s.worker(url, '{"output": {"i": 0}}')).json).toEqual({});
    const big = await s.worker(url, JSON.stringify({ output: "y".repeat(1024 * 1024) }));
    expect(big.status).toBe(400);
    expect(big.json).toEqual({ error: "stream chunk is too large; max size is 1 MB" });
    const missing = await s.worker(url, '{"chunk": 1}');
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ error: "output: is required" });
    expect(await s.store.jobs.readChunks(id, 0)).toEqual([{ seq: 1, output: { i: 0 } }]);
    expect((await s.worker(`/v2/ep1/job-stream/w1/ghost`, '{"output": 1}')).status).toBe(404);
  });

  test("ping: job ids renew leases; unhealthy reports surface in /health; version is kept", async () => {
    s = await startApi();
    const a = await s.submit(1);
    const b = await s.submit(2);
    await s.take("w1");
    await s.take("w1");
    const before = (await s.store.jobs.get(a))?.leaseUntil ?? 0;
    await until(() => Date.now() > before - s.engine.leaseMs + 5);
    expect(
      (await s.call(`/v2/ep1/ping/w1?gpu=none&job_id=${a}%2C${b}&runpod_version=1.12.0&extra=1`, W)).json,
    ).toEqual({});
    expect((await s.store.jobs.get(a))?.leaseUntil).toBeGreaterThan(before);
    expect((await s.store.jobs.get(b))?.leaseUntil).toBeGreaterThan(before);
    expect((await s.engine.listWorkers("ep1"))[0]).toMatchObject({ id: "w1", version: "1.12.0" });

    await s.call(
      "/v2/ep1/ping/w2?gpu=none&status=unhealthy&check=my_disk_check&reason=RuntimeError%3A+model+file+missing&runpod_version=1.12.0",
      W,
    );
    const h = (await s.call("/v2/ep1/health")).json;
    expect(h.workers.unhealthy).toBe(1);
    expect(h.hints).toEqual(["worker w2 is unhealthy (my_disk_check: RuntimeError: model file missing)"]);
  });

  test("ping fields are bounded before they reach the engine", async () => {
    s = await startApi();
    await s.call(`/v2/ep1/ping/w1?status=unhealthy&reason=${"r".repeat(5000)}`, W);
    const [w] = await s.engine.listWorkers("ep1");
    expect(w?.unhealthy?.reason?.length).toBeLessThanOrEqual(1024);
  });
});

test("a Python-style job-take with X-Request-ID leaked from an earlier post is served normally", async () => {
  s = await startApi({ limits: { takeHoldMs: 1000 } });
  const id = await s.submit();
  const res = await request(`${s.url}/v2/ep1/job-take/w1?gpu=none&job_in_progress=0`, {
    headers: { authorization: WORKER_SECRET, "x-request-id": "old-job", "content-type": "application/json" },
  });
  expect(res.statusCode).toBe(200);
  expect(((await res.body.json()) as { id: string }).id).toBe(id);
});
