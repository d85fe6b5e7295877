import { Readable } from "node:stream";
import { afterEach, describe, expect, test } from "vitest";
import { API_KEY, startStub } from "./__tests__/fixture.js";
import { WAIT_INVALID } from "./params.js";

type Stub = Awaited<ReturnType<typeof startStub>>;
let s: Stub;
afterEach(async () => {
  await s?.close();
});

describe("POST /run", () => {
  test("queues a job and passes every field through to submit", async () => {
    s = await startStub();
    const r = await s.call("/v2/ep1/run", {
      json: {
        input: { prompt: "hi" },
        webhook: "https://example.com/hook",
        policy: { executionTimeout: 60000, ttl: 120000, lowPriority: true },
        s3Config: { bucketName: "b" },
        webhookV2: "https://example.com/v2",
        timeout: 60000,
      },
      headers: { "idempotency-key": "abc-123" },
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ id: "job1", status: "IN_QUEUE" });
    expect(s.platform.submits).toEqual([
      {
        endpointId: "ep1",
        sync: false,
        input: { prompt: "hi" },
        webhook: "https://example.com/hook",
        policy: { executionTimeout: 60000, ttl: 120000, lowPriority: true },
        s3Config: { bucketName: "b" },
        extra: { webhookV2: "https://example.com/v2", timeout: 60000 },
        idempotencyKey: "abc-123",
      },
    ]);
  });

  test("accepts the bare key as well as Bearer, and any JSON input including null", async () => {
    s = await startStub();
    const r = await s.call("/v2/ep1/run", { json: { input: null }, auth: API_KEY });
    expect(r.status).toBe(200);
    expect(s.platform.submits[0]?.input).toBeNull();
  });

  test("wrong or missing key → 401 Unauthorized, nothing stored", async () => {
    s = await startStub();
    for (const auth of ["Bearer nope", "nope", null, "Bearer "]) {
      const r = await s.call("/v2/ep1/run", { json: { input: 1 }, auth });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: "Unauthorized" });
    }
    expect(s.platform.submits).toHaveLength(0);
  });

  test("malformed JSON → 400 json is invalid: <reason>", async () => {
    s = await startStub();
    for (const body of ['{"input": ', "not json", "", '{"input": NaN}']) {
      const r = await s.call("/v2/ep1/run", { body, headers: { "content-type": "application/json" } });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(/^json is invalid: .+/);
    }
    expect(s.platform.submits).toHaveLength(0);
  });

  test("wrong types and a missing input → 400 naming the field", async () => {
    s = await startStub();
    const cases: [unknown, RegExp][] = [
      [{ notInput: 1 }, /^input: is required$/],
      [[{ input: 1 }], /body must be a JSON object/],
      ["just a string", /body must be a JSON object/],
      [{ input: 1, webhook: 42 }, /^webhook: must be a string$/],
      [{ input: 1, webhook: "ftp://x" }, /^webhook: must be an http\(s\) URL$/],
      [{ input: 1, policy: { ttl: "long" } }, /^policy\.ttl: must be a number$/],
      [{ input: 1, policy: "fast" }, /^policy: must be an object$/],
      [{ input: 1, policy: { lowPriority: "yes" } }, /^policy\.lowPriority: must be a boolean$/],
      [{ input: 1, s3Config: [1] }, /^s3Config: must be (an object|a record)$/],
    ];
    for (const [json, message] of cases) {
      const r = await s.call("/v2/ep1/run", { json });
      expect(r.status, JSON.stringify(json)).toBe(400);
      expect(r.json.error).toMatch(message);
    }
    expect(s.platform.submits).toHaveLength(0);
  });

  test("invalid Idempotency-Key → 400", async () => {
    s = await startStub();
    const r = await s.call("/v2/ep1/run", {
      json: { input: 1 },
      headers: { "idempotency-key": "x".repeat(201) },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/Idempotency-Key is invalid/);
  });

  test("oversized body → 413 while streaming, before it is read whole; also via Content-Length", async () => {
    s = await startStub({ limits: { runBytes: 64 * 1024 } });
    let sent = 0;
    async function* big() {
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      yield Buffer.from('{"input":"');
      // 64 MB if the server were to read it all; it must answer long before.
      for (let i = 0; i < 4096; i++) {
        sent += chunk.length;
        yield chunk;
      }
      yield Buffer.from('"}');
    }
    const r = await s.call("/v2/ep1/run", {
      body: Readable.from(big()),
      headers: { "content-type": "application/json" },
    });
    expect(r.status).toBe(413);
    expect(r.json).toEqual({ error: "json is invalid; max size is 64 KB" });
    expect(sent).toBeLessThan(64 * 1024 * 1024);

    const declared = await s.call("/v2/ep1/run", {
      body: Buffer.alloc(64 * 1024 + 1, 0x20),
      headers: { "content-type": "application/json" },
    });
    expect(declared.status).toBe(413);
    expect(s.platform.submits).toHaveLength(0);
  });

  test("default limits: 10 MB for /run, 20 MB for /runsync", async () => {
    s = await startStub();
    const body = Buffer.alloc(10 * 1024 * 1024 + 10, 0x20);
    const run = await s.call("/v2/ep1/run", { body });
    expect(run.status).toBe(413);
    expect(run.json.error).toBe("json is invalid; max size is 10 MB");
    const ok = await s.call("/v2/ep1/runsync?wait=1000", {
      json: { input: "x".repeat(10 * 1024 * 1024 + 10) },
    });
    expect(ok.status).toBe(200);
  });

  test("engine refusals keep their code and message; queue back-pressure 429 has Retry-After", async () => {
    s = await startStub();
    s.platform.submitOutcome = { ok: false, code: 429, error: "queue is full (500 jobs)" };
    const r = await s.call("/v2/ep1/run", { json: { input: 1 } });
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ error: "queue is full (500 jobs)" });
    expect(r.headers["retry-after"]).toBeDefined();
    s.platform.submitOutcome = { ok: false, code: 400, error: "policy.ttl: must be ≥ 10000" };
    const bad = await s.call("/v2/ep1/run", { json: { input: 1, policy: { ttl: 5 } } });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: "policy.ttl: must be ≥ 10000" });
  });

  test("unknown endpoint → 404 endpoint <id> not found (also for ids of the wrong shape)", async () => {
    s = await startStub();
    const r = await s.call("/v2/nope/run", { json: { input: 1 } });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: "endpoint nope not found" });
    const odd = await s.call("/v2/a.b/run", { json: { input: 1 } });
    expect(odd.status).toBe(404);
    expect(odd.json).toEqual({ error: "endpoint a.b not found" });
  });
});

describe("POST /runsync", () => {
  test("returns the terminal job when it finishes within the wait", async () => {
    s = await startStub();
    const pending = s.call("/v2/ep1/runsync", { json: { input: 2 } });
    await s.platform.onceEvent("queued");
    s.platform.setStatus("sync-job1", "COMPLETED", { output: 4, delayTime: 1, executionTime: 2 });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: "sync-job1", status: "COMPLETED", output: 4 });
    expect(s.platform.submits[0]?.sync).toBe(true);
  });

  test("returns 200 IN_QUEUE when the wait ends first", async () => {
    s = await startStub();
    const r = await s.call("/v2/ep1/runsync?wait=1000", { json: { input: 2 } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ id: "sync-job1", status: "IN_QUEUE" });
  });

  test("bad wait → 400 with RunPod's exact message, and no job is created", async () => {
    s = await startStub();
    for (const wait of ["999", "300001", "abc", "", "-5", "1e4"]) {
      const r = await s.call(`/v2/ep1/runsync?wait=${wait}`, { json: { input: 1 } });
      expect(r.status, wait).toBe(400);
      expect(r.json).toEqual({ error: WAIT_INVALID });
    }
    expect(s.platform.submits).toHaveLength(0);
  });

  test("a client that disconnects aborts the long-poll", async () => {
    s = await startStub();
    const signals: (AbortSignal | undefined)[] = [];
    const orig = s.platform.waitForTerminal.bind(s.platform);
    s.platform.waitForTerminal = (ep, id, ms, signal) => {
      signals.push(signal);
      return orig(ep, id, ms, signal);
    };
    const ac = new AbortController();
    const pending = s
      .call("/v2/ep1/runsync?wait=60000", { json: { input: 1 }, signal: ac.signal })
      .catch((e) => e);
    await s.platform.onceEvent("queued");
    while (signals.length === 0) await new Promise((r) => setImmediate(r));
    ac.abort();
    await pending;
    const signal = signals[0]!;
    if (!signal.aborted) await new Promise((r) => signal.addEventListener("abort", r, { once: true }));
    expect(signal.aborted).toBe(true);
  });
});

describe("status, status-sync, stream", () => {
  test("GET and POST /status return the job; unknown → 404 job <id> not found", async () => {
    s = await startStub();
    await s.call("/v2/ep1/run", { json: { input: 1 } });
    for (const method of ["GET", "POST"] as const) {
      const r = await s.call("/v2/ep1/status/job1?ttl=5000", { method });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ id: "job1", status: "IN_QUEUE" });
    }
    const missing = await s.call("/v2/ep1/status/nope");
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: "job nope not found" });
    const wrongEp = await s.call("/v2/other/status/job1");
    expect(wrongEp.json).toEqual({ error: "endpoint other not found" });
  });

  test("status-sync long-polls until terminal; validates wait; 404 for unknown jobs", async () => {
    s = await startStub();
    await s.call("/v2/ep1/run", { json: { input: 1 } });
    const pending = s.call("/v2/ep1/status-sync/job1?wait=60000", { method: "POST" });
    setTimeout(() => s.platform.setStatus("job1", "FAILED", { error: "boom" }), 50);
    const r = await pending;
    expect(r.json).toEqual({ id: "job1", status: "FAILED", error: "boom" });
    expect((await s.call("/v2/ep1/status-sync/job1?wait=5")).json).toEqual({ error: WAIT_INVALID });
    expect((await s.call("/v2/ep1/status-sync/zzz?wait=1000")).status).toBe(404);
  });

  test("stream drains: each chunk once, always a stream array, then terminal with []", async () => {
    s = await startStub();
    await s.call("/v2/ep1/run", { json: { input: 1 } });
    s.platform.addChunk("job1", "a");
    s.platform.addChunk("job1", { b: 2 });
    const first = await s.call("/v2/ep1/stream/job1");
    expect(first.json).toEqual({ status: "IN_QUEUE", stream: [{ output: "a" }, { output: { b: 2 } }] });
    const empty = await s.call("/v2/ep1/stream/job1?wait=1000", { method: "POST" });
    expect(empty.json).toEqual({ status: "IN_QUEUE", stream: [] });
    const pending = s.call("/v2/ep1/stream/job1?wait=60000");
    setTimeout(() => s.platform.addChunk("job1", "c"), 50);
    expect((await pending).json).toEqual({ status: "IN_QUEUE", stream: [{ output: "c" }] });
    s.platform.setStatus("job1", "COMPLETED");
    expect((await s.call("/v2/ep1/stream/job1")).json).toEqual({ status: "COMPLETED", stream: [] });
    expect((await s.call("/v2/ep1/stream/job1?wait=0")).json).toEqual({ error: WAIT_INVALID });
    expect((await s.call("/v2/ep1/stream/none")).status).toBe(404);
  });
});

describe("cancel, retry, purge-queue, health", () => {
  test("cancel answers {id, status}; unknown → 404", async () => {
    s = await startStub();
    await s.call("/v2/ep1/run", { json: { input: 1 } });
    const r = await s.call("/v2/ep1/cancel/job1", { method: "POST", json: {} });
    expect(r.json).toEqual({ id: "job1", status: "CANCELLED" });
    expect((await s.call("/v2/ep1/cancel/zzz", { method: "POST" })).json).toEqual({
      error: "job zzz not found",
    });
    expect((await s.call("/v2/ep1/cancel/job1", { method: "GET" })).status).toBe(404);
  });

  test("retry: FAILED → IN_QUEUE; other states → the engine's 400", async () => {
    s = await startStub();
    await s.call("/v2/ep1/run", { json: { input: 1 } });
    const early = await s.call("/v2/ep1/retry/job1", { method: "POST" });
    expect(early.status).toBe(400);
    expect(early.json.error).toMatch(/only FAILED or TIMED_OUT/);
    s.platform.setStatus("job1", "FAILED", { error: "x", delayTime: 5 });
    const r = await s.call("/v2/ep1/retry/job1", { method: "POST" });
    expect(r.json).toEqual({ id: "job1", status: "IN_QUEUE" });
    expect((await s.call("/v2/ep1/retry/zzz", { method: "POST" })).status).toBe(404);
  });

  test("purge-queue returns lowercase completed; health has every counter", async () => {
    s = await startStub();
    await s.call("/v2/ep1/run", { json: { input: 1 } });
    await s.call("/v2/ep1/run", { json: { input: 2 } });
    const r = await s.call("/v2/ep1/purge-queue", { method: "POST", json: {} });
    expect(r.json).toEqual({ removed: 2, status: "completed" });
    const h = await s.call("/v2/ep1/health");
    expect(h.status).toBe(200);
    expect(Object.keys(h.json.jobs).sort()).toEqual(
      ["cancelled", "completed", "failed", "inProgress", "inQueue", "retried", "timedOut"].sort(),
    );
    expect(Object.keys(h.json.workers).sort()).toEqual(
      ["idle", "initializing", "ready", "running", "throttled", "unhealthy"].sort(),
    );
    expect((await s.call("/v2/ep1/health", { auth: "Bearer x" })).status).toBe(401);
  });
});
