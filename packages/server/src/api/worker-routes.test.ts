import { request } from "undici";
import { afterEach, describe, expect, test } from "vitest";
import { startStub, WORKER_SECRET } from "./__tests__/fixture.js";

type Stub = Awaited<ReturnType<typeof startStub>>;
let s: Stub;
afterEach(async () => {
  await s?.close();
});

const W = { auth: WORKER_SECRET };
const PY_FORM = { "content-type": "application/x-www-form-urlencoded" };

async function queueJob(stub: Stub, input: unknown = { x: 1 }): Promise<string> {
  const r = await stub.call("/v2/ep1/run", { json: { input, webhook: "http://example.com/h" } });
  return r.json.id;
}

describe("worker auth", () => {
  test("raw secret and Bearer accepted; API keys and wrong secrets refused", async () => {
    s = await startStub({ limits: { takeHoldMs: 1000 } });
    expect((await s.call("/v2/ep1/ping/w1", { auth: WORKER_SECRET })).status).toBe(200);
    expect((await s.call("/v2/ep1/ping/w1", { auth: `Bearer ${WORKER_SECRET}` })).status).toBe(200);
    for (const auth of [null, "wrong", "Bearer test-api-key"]) {
      const r = await s.call("/v2/ep1/job-take/w1?gpu=none", { auth });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: "Unauthorized" });
    }
    // The worker secret is not an API key either.
    expect((await s.call("/v2/ep1/run", { json: { input: 1 }, auth: WORKER_SECRET })).status).toBe(401);
  });

  test("unknown endpoint → 404; a literal $RUNPOD_POD_ID worker id → 400", async () => {
    s = await startStub({ limits: { takeHoldMs: 1000 } });
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
    s = await startStub({ limits: { takeHoldMs: 1000 } });
    const started = Date.now();
    const r = await s.call("/v2/ep1/job-take/w1?gpu=none&job_in_progress=0", W);
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test("200 with one job object as soon as a job arrives", async () => {
    s = await startStub({ limits: { takeHoldMs: 60_000 } });
    const pending = s.call("/v2/ep1/job-take/w1?gpu=none&job_in_progress=0", W);
    const id = await queueJob(s);
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    expect(r.json).toEqual({ id, input: { x: 1 } });
  });

  test("batch: array of at most batch_size jobs; invalid batch_size → 400", async () => {
    s = await startStub({ limits: { takeHoldMs: 1000 } });
    for (let i = 0; i < 5; i++) await queueJob(s, i);
    const r = await s.call("/v2/ep1/job-take-batch/w1?gpu=none&batch_size=3&job_in_progress=0", W);
    expect(r.status).toBe(200);
    expect(r.json.map((j: { input: unknown }) => j.input)).toEqual([0, 1, 2]);
    const rest = await s.call("/v2/ep1/job-take-batch/w1?gpu=none&batch_size=3", W);
    expect(rest.json).toHaveLength(2);
    for (const bad of ["0", "-1", "abc", "1.5", "100000"]) {
      const b = await s.call(`/v2/ep1/job-take-batch/w1?gpu=none&batch_size=${bad}`, W);
      expect(b.status, bad).toBe(400);
      expect(b.json.error).toMatch(/^batch_size is invalid/);
    }
  });

  test("never hands out more than asked, even if the engine returns more", async () => {
    s = await startStub({ limits: { takeHoldMs: 1000 } });
    s.platform.forceTake = [
      { id: "a", input: 1 },
      { id: "b", input: 2 },
    ];
    const r = await s.call("/v2/ep1/job-take/w1?gpu=none", W);
    expect(r.json).toEqual({ id: "a", input: 1 });
    expect(s.platform.putBacks).toEqual([{ workerId: "w1", jobIds: ["b"] }]);
  });

  test("jobs assigned after the client went away are put back", async () => {
    s = await startStub({ limits: { takeHoldMs: 60_000 } });
    // A take that resolves only after its client has disconnected.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered!: (signal: AbortSignal | undefined) => void;
    const inTake = new Promise<AbortSignal | undefined>((r) => {
      entered = r;
    });
    const orig = s.platform.take.bind(s.platform);
    s.platform.take = async (ep, w, max, ms, signal) => {
      entered(signal);
      await gate;
      return orig(ep, w, max, ms, signal);
    };
    const id = await queueJob(s);
    const ac = new AbortController();
    const pending = s
      .call("/v2/ep1/job-take/w1?gpu=none", { ...W, signal: ac.signal })
      .catch(() => "aborted");
    const takeSignal = await inTake;
    const putBack = s.platform.onceEvent("putBack");
    ac.abort();
    expect(await pending).toBe("aborted");
    // Once the server has seen the close, let the engine hand out the job.
    if (!takeSignal?.aborted)
      await new Promise((r) => takeSignal?.addEventListener("abort", r, { once: true }));
    release();
    await putBack;
    expect(s.platform.putBacks).toEqual([{ workerId: "w1", jobIds: [id] }]);
    expect(s.platform.queue).toEqual([id]);
  });
});

describe("job-stop", () => {
  test("204 after the hold; {jobsToStop} when a stop is requested", async () => {
    s = await startStub({ limits: { takeHoldMs: 1000 } });
    expect((await s.call("/v2/ep1/job-stop/w1?gpu=none", W)).status).toBe(204);
    const pending = s.call("/v2/ep1/job-stop/w1?gpu=none", W);
    setTimeout(() => s.platform.requestStop("w1", "j9"), 50);
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ jobsToStop: ["j9"] });
  });
});

describe("job-done", () => {
  test("parses raw JSON sent as form content, maps NaN/Infinity to null, answers 200 {}", async () => {
    s = await startStub({ limits: { takeHoldMs: 1000 } });
    const id = await queueJob(s);
    await s.call("/v2/ep1/job-take/w1?gpu=none", W);
    const body = '{"output": {"a": NaN, "b": [Infinity, -Infinity], "s": "NaN Infinity"}}';
    const r = await s.call(`/v2/ep1/job-done/w1/${id}?gpu=none&isStream=false`, {
      ...W,
      body,
      headers: PY_FORM,
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    expect(s.platform.dones).toEqual([
      {
        workerId: "w1",
        jobId: id,
        isStream: false,
        body: { output: { a: null, b: [null, null], s: "NaN Infinity" } },
      },
    ]);
    expect((await s.call(`/v2/ep1/status/${id}`)).json).toMatchObject({ status: "COMPLETED" });
  });

  test("passes error, stopPod, status and isStream through", async () => {
    s = await startStub();
    const id = await queueJob(s);
    await s.call(`/v2/ep1/job-done/w1/${id}?gpu=none&isStream=false`, {
      ...W,
      body: JSON.stringify({ status: "IN_PROGRESS", output: { progress: 3 } }),
      headers: PY_FORM,
    });
    await s.call(`/v2/ep1/job-done/w1/${id}?gpu=none&isStream=true`, {
      ...W,
      body: JSON.stringify({ error: "bad", output: [], stopPod: true }),
      headers: PY_FORM,
    });
    expect(s.platform.dones.map((d) => [d.body, d.isStream])).toEqual([
      [{ status: "IN_PROGRESS", output: { progress: 3 } }, false],
      [{ error: "bad", output: [], stopPod: true }, true],
    ]);
  });

  test("malformed bodies → 400 and nothing reaches the engine", async () => {
    s = await startStub();
    const id = await queueJob(s);
    for (const body of ["{", "[1,2]", '"x"', "", '{"status": 5}']) {
      const r = await s.call(`/v2/ep1/job-done/w1/${id}?gpu=none&isStream=false`, {
        ...W,
        body,
        headers: PY_FORM,
      });
      expect(r.status, body).toBe(400);
      expect(typeof r.json.error).toBe("string");
    }
    expect(s.platform.dones).toHaveLength(0);
  });

  test("unknown job → the engine's 404", async () => {
    s = await startStub();
    const r = await s.call("/v2/ep1/job-done/w1/ghost?gpu=none", {
      ...W,
      body: '{"output":1}',
      headers: PY_FORM,
    });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: "job ghost not found" });
  });

  test("a result over the limit → 400, and the job is failed with a clear error", async () => {
    s = await startStub({ limits: { resultBytes: 32 * 1024 } });
    const id = await queueJob(s);
    await s.call("/v2/ep1/job-take/w1?gpu=none", W);
    const body = JSON.stringify({ output: "x".repeat(64 * 1024) });
    const r = await s.call(`/v2/ep1/job-done/w1/${id}?gpu=none&isStream=false`, {
      ...W,
      body,
      headers: PY_FORM,
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: "result is too large; max size is 32 KB" });
    const status = await s.call(`/v2/ep1/status/${id}`);
    expect(status.json.status).toBe("FAILED");
    expect(status.json.error).toMatch(/result too large.*32 KB/);
  });
});

describe("job-stream and ping", () => {
  test("job-stream appends {output}; chunks over 1 MB → 400; missing output → 400", async () => {
    s = await startStub();
    const id = await queueJob(s);
    const url = `/v2/ep1/job-stream/w1/${id}?gpu=none&isStream=false`;
    expect((await s.call(url, { ...W, body: '{"output": {"i": 0}}', headers: PY_FORM })).json).toEqual({});
    expect(s.platform.streamed).toEqual([{ jobId: id, output: { i: 0 } }]);
    const big = await s.call(url, {
      ...W,
      body: JSON.stringify({ output: "y".repeat(1024 * 1024) }),
      headers: PY_FORM,
    });
    expect(big.status).toBe(400);
    expect(big.json).toEqual({ error: "stream chunk is too large; max size is 1 MB" });
    const missing = await s.call(url, { ...W, body: '{"chunk": 1}', headers: PY_FORM });
    expect(missing.status).toBe(400);
    expect(s.platform.streamed).toHaveLength(1);
  });

  test("ping passes job ids, status, check, reason and version; unknown params are ignored", async () => {
    s = await startStub();
    await s.call("/v2/ep1/ping/w1?gpu=none&runpod_version=1.12.0", W);
    await s.call("/v2/ep1/ping/w1?gpu=none&job_id=C1%2CC2%2CC3&runpod_version=1.12.0&extra=1", W);
    await s.call(
      "/v2/ep1/ping/w1?gpu=none&status=unhealthy&check=my_disk_check&reason=RuntimeError%3A+model+file+missing&runpod_version=1.12.0",
      W,
    );
    expect(s.platform.pings).toEqual([
      { workerId: "w1", report: { version: "1.12.0" } },
      { workerId: "w1", report: { jobIds: ["C1", "C2", "C3"], version: "1.12.0" } },
      {
        workerId: "w1",
        report: {
          status: "unhealthy",
          check: "my_disk_check",
          reason: "RuntimeError: model file missing",
          version: "1.12.0",
        },
      },
    ]);
  });
});

test("a Python-style job-take with X-Request-ID leaked from an earlier post is served normally", async () => {
  s = await startStub({ limits: { takeHoldMs: 1000 } });
  const id = await queueJob(s);
  const res = await request(`${s.url}/v2/ep1/job-take/w1?gpu=none&job_in_progress=0`, {
    headers: { authorization: WORKER_SECRET, "x-request-id": "old-job", "content-type": "application/json" },
  });
  expect(res.statusCode).toBe(200);
  expect(((await res.body.json()) as { id: string }).id).toBe(id);
});
