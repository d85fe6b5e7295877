import { Readable } from "node:stream";
import { WAIT_INVALID } from "@gantry/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { API_KEY, type Api, startApi, until } from "../__tests__/fixture.js";

let s: Api;
afterEach(async () => {
  await s?.close();
});

describe("POST /run", () => {
  test("queues a job; every field reaches the worker, and the Idempotency-Key is honoured", async () => {
    s = await startApi();
    const body = {
      input: { prompt: "hi" },
      webhook: "https://example.com/hook",
      policy: { executionTimeout: 60000, ttl: 120000, lowPriority: true },
      s3Config: { bucketName: "b" },
      webhookV2: "https://example.com/v2",
      timeout: 60000,
    };
    const r = await s.call("/v2/ep1/run", { json: body, headers: { "idempotency-key": "abc-123" } });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(["id", "status"]);
    expect(r.json).toMatchObject({ status: "IN_QUEUE" });
    expect(r.json.id).toMatch(/^[0-9a-f-]+-g1$/);
    const again = await s.call("/v2/ep1/run", { json: body, headers: { "idempotency-key": "abc-123" } });
    expect(again.json.id).toBe(r.json.id);
    expect(await s.queued()).toBe(1);
    expect(await s.take()).toEqual({
      id: r.json.id,
      input: { prompt: "hi" },
      webhook: "https://example.com/hook",
      policy: { executionTimeout: 60000, ttl: 120000, lowPriority: true },
      s3Config: { bucketName: "b" },
      webhookV2: "https://example.com/v2",
      timeout: 60000,
    });
  });

  test("accepts the bare key as well as Bearer, and any JSON input including null", async () => {
    s = await startApi();
    const r = await s.call("/v2/ep1/run", { json: { input: null }, auth: API_KEY });
    expect(r.status).toBe(200);
    expect((await s.take()).input).toBeNull();
  });

  test("wrong or missing key → 401 Unauthorized, nothing stored", async () => {
    s = await startApi();
    for (const auth of ["Bearer nope", "nope", null, "Bearer "]) {
      const r = await s.call("/v2/ep1/run", { json: { input: 1 }, auth });
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: "Unauthorized" });
    }
    expect(await s.queued()).toBe(0);
  });

  test("malformed JSON → 400 json is invalid: <reason>", async () => {
    s = await startApi();
    for (const body of ['{"input": ', "not json", "", '{"input": NaN}']) {
      const r = await s.call("/v2/ep1/run", { body, headers: { "content-type": "application/json" } });
      expect(r.status).toBe(400);
      expect(r.json.error).toMatch(/^json is invalid: .+/);
    }
    expect(await s.queued()).toBe(0);
  });

  test("wrong types and a missing input → 400 naming the field", async () => {
    s = await startApi();
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
    expect(await s.queued()).toBe(0);
  });

  test("invalid Idempotency-Key → 400", async () => {
    s = await startApi();
    const r = await s.call("/v2/ep1/run", {
      json: { input: 1 },
      headers: { "idempotency-key": "x".repeat(201) },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/Idempotency-Key is invalid/);
    expect(await s.queued()).toBe(0);
  });

  test("oversized body → 413 while streaming, before it is read whole; also via Content-Length", async () => {
    s = await startApi({ limits: { runBytes: 64 * 1024 } });
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
    expect(await s.queued()).toBe(0);
  });

  test("per-endpoint byte limits override the global ones", async () => {
    s = await startApi({ endpointLimits: (id) => (id === "ep1" ? { runBytes: 1024 } : undefined) });
    const r = await s.call("/v2/ep1/run", { json: { input: "x".repeat(2048) } });
    expect(r.status).toBe(413);
    expect(r.json).toEqual({ error: "json is invalid; max size is 1 KB" });
  });

  test("default limits: 10 MB for /run, 20 MB for /runsync", async () => {
    s = await startApi();
    const body = Buffer.alloc(10 * 1024 * 1024 + 10, 0x20);
    const run = await s.call("/v2/ep1/run", { body });
    expect(run.status).toBe(413);
    expect(run.json.error).toBe("json is invalid; max size is 10 MB");
    const ok = await s.call("/v2/ep1/runsync?wait=1000", {
      json: { input: "x".repeat(10 * 1024 * 1024 + 10) },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.status).toBe("IN_QUEUE");
  });

  test("queue back-pressure → the engine's 429 with Retry-After; bad policy → the engine's 400", async () => {
    s = await startApi({ endpoints: [{ id: "ep1", limits: { maxQueue: 1 } }] });
    await s.submit(1);
    const r = await s.call("/v2/ep1/run", { json: { input: 2 } });
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ error: "queue of endpoint ep1 is full (1 jobs waiting)" });
    expect(r.headers["retry-after"]).toBe("1");
    const bad = await s.call("/v2/ep1/run", { json: { input: 1, policy: { ttl: 5 } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^policy\.ttl must be between 10000 and \d+ ms$/);
    expect(await s.queued()).toBe(1);
  });

  test("unknown endpoint → 404 endpoint <id> not found (also for ids of the wrong shape)", async () => {
    s = await startApi();
    const r = await s.call("/v2/nope/run", { json: { input: 1 } });
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: "endpoint nope not found" });
    const odd = await s.call("/v2/a.b/run", { json: { input: 1 } });
    expect(odd.status).toBe(404);
    expect(odd.json).toEqual({ error: "endpoint a.b not found" });
  });
});

describe("POST /runsync", () => {
  test("returns the terminal job when a worker finishes it within the wait", async () => {
    s = await startApi();
    const pending = s.call("/v2/ep1/runsync", { json: { input: 2 } });
    const job = await s.take();
    expect(job.id).toMatch(/^sync-/);
    await s.done("w1", job.id, { output: 4 });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: job.id, status: "COMPLETED", output: 4, workerId: "w1" });
    expect(typeof r.json.delayTime).toBe("number");
    expect(typeof r.json.executionTime).toBe("number");
  });

  test("a FAILED job is still HTTP 200 with its error", async () => {
    s = await startApi();
    const pending = s.call("/v2/ep1/runsync", { json: { input: 2 } });
    const job = await s.take();
    await s.done("w1", job.id, { error: "boom" });
    const r = await pending;
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: job.id, status: "FAILED", error: "boom" });
  });

  test("returns 200 IN_QUEUE when the wait ends first", async () => {
    s = await startApi();
    const r = await s.call("/v2/ep1/runsync?wait=1000", { json: { input: 2 } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ id: expect.stringMatching(/^sync-/), status: "IN_QUEUE" });
  });

  test("bad wait → 400 with RunPod's exact message, and no job is created", async () => {
    s = await startApi();
    for (const wait of ["999", "300001", "abc", "", "-5", "1e4"]) {
      const r = await s.call(`/v2/ep1/runsync?wait=${wait}`, { json: { input: 1 } });
      expect(r.status, wait).toBe(400);
      expect(r.json).toEqual({ error: WAIT_INVALID });
    }
    expect(await s.queued()).toBe(0);
  });

  test("a client that disconnects releases the engine's long-poll", async () => {
    const signals: AbortSignal[] = [];
    s = await startApi({
      platform: (engine) => {
        const orig = engine.waitForTerminal.bind(engine);
        engine.waitForTerminal = (ep, id, ms, signal) => {
          if (signal) signals.push(signal);
          return orig(ep, id, ms, signal);
        };
        return engine;
      },
    });
    const ac = new AbortController();
    const pending = s
      .call("/v2/ep1/runsync?wait=60000", { json: { input: 1 }, signal: ac.signal })
      .catch((e) => e);
    await until(() => signals.length > 0);
    const job = await s.store.jobs.take({
      endpointId: "ep1",
      workerId: "peek",
      max: 1,
      now: Date.now(),
      leaseUntil: Date.now() + 60_000,
    });
    const key = `job:${job[0]?.id}`;
    await until(() => s.engine.waiters.sleeping(key) === 1);
    ac.abort();
    await pending;
    await until(() => s.engine.waiters.sleeping(key) === 0);
    expect(signals[0]?.aborted).toBe(true);
  });
});

describe("status, status-sync, stream", () => {
  test("GET and POST /status return the job; unknown → 404 job <id> not found", async () => {
    s = await startApi();
    const id = await s.submit();
    for (const method of ["GET", "POST"] as const) {
      const r = await s.call(`/v2/ep1/status/${id}?ttl=5000`, { method });
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ id, status: "IN_QUEUE" });
    }
    await s.take("w7");
    expect(await s.status(id)).toMatchObject({ id, status: "IN_PROGRESS", workerId: "w7" });
    const missing = await s.call("/v2/ep1/status/nope");
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: "job nope not found" });
    const badId = await s.call("/v2/ep1/status/a.b");
    expect(badId.json).toEqual({ error: "job a.b not found" });
    const wrongEp = await s.call(`/v2/other/status/${id}`);
    expect(wrongEp.json).toEqual({ error: "endpoint other not found" });
  });

  test("a job is only visible under its own endpoint", async () => {
    s = await startApi({ endpoints: [{ id: "ep1" }, { id: "ep2" }] });
    const id = await s.submit();
    const r = await s.call(`/v2/ep2/status/${id}`);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: `job ${id} not found` });
  });

  test("status-sync long-polls until terminal; validates wait; 404 for unknown jobs", async () => {
    s = await startApi();
    const id = await s.submit();
    const pending = s.call(`/v2/ep1/status-sync/${id}?wait=60000`, { method: "POST" });
    await s.take();
    await s.done("w1", id, { error: "boom" });
    expect((await pending).json).toMatchObject({ id, status: "FAILED", error: "boom", workerId: "w1" });
    expect((await s.call(`/v2/ep1/status-sync/${id}?wait=5`)).json).toEqual({ error: WAIT_INVALID });
    expect((await s.call("/v2/ep1/status-sync/zzz?wait=1000")).status).toBe(404);
  });

  test("status-sync and stream long-polls on a job deleted meanwhile (TTL) answer 404 at once", async () => {
    s = await startApi();
    const id = await s.submit(1, { policy: { ttl: 10_000 } });
    const started = Date.now();
    const sync = s.call(`/v2/ep1/status-sync/${id}?wait=300000`);
    const stream = s.call(`/v2/ep1/stream/${id}?wait=300000`);
    await until(() => s.engine.waiters.sleeping(`job:${id}`) === 2);
    await s.sweepAt(Date.now() + 60_000);
    for (const r of [await sync, await stream]) {
      expect(r.status).toBe(404);
      expect(r.json).toEqual({ error: `job ${id} not found` });
    }
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  test("stream drains: each chunk once, always a stream array, then terminal with []", async () => {
    s = await startApi();
    const id = await s.submit();
    expect((await s.call(`/v2/ep1/stream/${id}?wait=1000`)).json).toEqual({ status: "IN_QUEUE", stream: [] });
    await s.take();
    await s.chunk("w1", id, "a");
    await s.chunk("w1", id, { b: 2 });
    const first = await s.call(`/v2/ep1/stream/${id}`);
    expect(first.json).toEqual({ status: "IN_PROGRESS", stream: [{ output: "a" }, { output: { b: 2 } }] });
    const empty = await s.call(`/v2/ep1/stream/${id}?wait=1000`, { method: "POST" });
    expect(empty.json).toEqual({ status: "IN_PROGRESS", stream: [] });
    const pending = s.call(`/v2/ep1/stream/${id}?wait=60000`);
    await until(() => s.engine.waiters.sleeping(`job:${id}`) === 1);
    await s.chunk("w1", id, "c");
    expect((await pending).json).toEqual({ status: "IN_PROGRESS", stream: [{ output: "c" }] });
    await s.done("w1", id, { output: ["a", { b: 2 }, "c"] }, true);
    expect((await s.call(`/v2/ep1/stream/${id}`)).json).toEqual({ status: "COMPLETED", stream: [] });
    expect((await s.call(`/v2/ep1/stream/${id}?wait=0`)).json).toEqual({ error: WAIT_INVALID });
    expect((await s.call("/v2/ep1/stream/none")).status).toBe(404);
  });

  test("a non-generator job's output is streamed once as its only chunk", async () => {
    s = await startApi();
    const id = await s.submit();
    await s.take();
    await s.done("w1", id, { output: { answer: 42 } });
    expect((await s.call(`/v2/ep1/stream/${id}`)).json).toEqual({
      status: "COMPLETED",
      stream: [{ output: { answer: 42 } }],
    });
    expect((await s.call(`/v2/ep1/stream/${id}`)).json).toEqual({ status: "COMPLETED", stream: [] });
  });
});

describe("cancel, retry, purge-queue, health", () => {
  test("cancel answers {id, status}; unknown → 404; a running job's worker is told to stop", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    const queued = await s.submit(1);
    const r = await s.call(`/v2/ep1/cancel/${queued}`, { method: "POST", json: {} });
    expect(r.json).toEqual({ id: queued, status: "CANCELLED" });
    expect(await s.queued()).toBe(0);
    const running = await s.submit(2);
    await s.take("w1");
    const c = await s.call(`/v2/ep1/cancel/${running}`, { method: "POST" });
    expect(c.json).toMatchObject({ id: running, status: "CANCELLED" });
    expect((await s.worker("/v2/ep1/job-stop/w1?gpu=none")).json).toEqual({ jobsToStop: [running] });
    // Cancelling a finished job returns its final state.
    expect((await s.call(`/v2/ep1/cancel/${running}`, { method: "POST" })).json.status).toBe("CANCELLED");
    expect((await s.call("/v2/ep1/cancel/zzz", { method: "POST" })).json).toEqual({
      error: "job zzz not found",
    });
    expect((await s.call(`/v2/ep1/cancel/${queued}`, { method: "GET" })).status).toBe(404);
  });

  test("retry: FAILED → IN_QUEUE under the same id; other states → the engine's 400", async () => {
    s = await startApi();
    const id = await s.submit();
    const early = await s.call(`/v2/ep1/retry/${id}`, { method: "POST" });
    expect(early.status).toBe(400);
    expect(early.json).toEqual({
      error: `job ${id} is IN_QUEUE; only FAILED or TIMED_OUT jobs can be retried`,
    });
    await s.take();
    await s.done("w1", id, { error: "x" });
    const r = await s.call(`/v2/ep1/retry/${id}`, { method: "POST" });
    expect(r.json).toMatchObject({ id, status: "IN_QUEUE" });
    expect(await s.status(id)).toEqual({ id, status: "IN_QUEUE" });
    expect((await s.take("w2")).id).toBe(id);
    expect((await s.call("/v2/ep1/retry/zzz", { method: "POST" })).status).toBe(404);
  });

  test("purge-queue removes queued jobs only and returns lowercase completed", async () => {
    s = await startApi();
    const running = await s.submit(0);
    await s.take();
    const a = await s.submit(1);
    await s.submit(2);
    const r = await s.call("/v2/ep1/purge-queue", { method: "POST", json: {} });
    expect(r.json).toEqual({ removed: 2, status: "completed" });
    expect((await s.call(`/v2/ep1/status/${a}`)).status).toBe(404);
    expect((await s.status(running)).status).toBe("IN_PROGRESS");
  });

  test("health has every counter, counts real jobs and workers, and needs a key", async () => {
    s = await startApi();
    await s.submit(1);
    const second = await s.submit(2);
    await s.take("w1");
    expect((await s.take("w2")).id).toBe(second);
    await s.done("w2", second, { output: 1 });
    const h = await s.call("/v2/ep1/health");
    expect(h.status).toBe(200);
    expect(h.json.jobs).toEqual({
      completed: 1,
      failed: 0,
      inProgress: 1,
      inQueue: 0,
      retried: 0,
      cancelled: 0,
      timedOut: 0,
    });
    expect(Object.keys(h.json.workers).sort()).toEqual(
      ["idle", "initializing", "ready", "running", "throttled", "unhealthy"].sort(),
    );
    expect(h.json.workers).toMatchObject({ running: 1, idle: 1, unhealthy: 0 });
    expect((await s.call("/v2/ep1/health", { auth: "Bearer x" })).status).toBe(401);
  });
});

describe("runsync retention and idempotency (hardening)", () => {
  const kept = async (id: string) => {
    const job = await s.store.jobs.get(id);
    return (job?.retainUntil ?? 0) - (job?.completedAt ?? 0);
  };
  const runsync = async (query: string) => {
    const pending = s.call(`/v2/ep1/runsync${query}`, { json: { input: 1 } });
    const job = await s.take();
    await s.done("w1", job.id, { output: 1 });
    expect((await pending).json.status).toBe("COMPLETED");
    return job.id as string;
  };

  test("a /runsync result is kept 60 s, or min(max(60 s, wait), 5 min) when ?wait is given", async () => {
    s = await startApi();
    expect(await kept(await runsync(""))).toBe(60_000);
    expect(await kept(await runsync("?wait=5000"))).toBe(60_000);
    expect(await kept(await runsync("?wait=120000"))).toBe(120_000);
    expect(await kept(await runsync("?wait=300000"))).toBe(300_000);
  });

  test("a repeated Idempotency-Key gets its job back even when the queue is full", async () => {
    s = await startApi({ endpoints: [{ id: "ep1", limits: { maxQueue: 1 } }] });
    const headers = { "idempotency-key": "order-1" };
    const first = await s.call("/v2/ep1/run", { json: { input: 1 }, headers });
    const again = await s.call("/v2/ep1/run", { json: { input: 1 }, headers });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    const other = await s.call("/v2/ep1/run", {
      json: { input: 1 },
      headers: { "idempotency-key": "order-2" },
    });
    expect(other.status).toBe(429);
  });
});

describe("GET /requests", () => {
  test("lists recent jobs newest first as summaries; limit and status filter", async () => {
    s = await startApi();
    const a = await s.submit({ secret: "payload" });
    const b = await s.submit(2);
    const c = await s.submit(3);
    await s.take("w1");
    await s.done("w1", a, { output: "result" });
    const r = await s.call("/v2/ep1/requests");
    expect(r.status).toBe(200);
    expect(r.json.requests.map((j: { id: string }) => j.id)).toEqual([c, b, a]);
    const done = r.json.requests[2];
    expect(done).toEqual({
      id: a,
      status: "COMPLETED",
      createdAt: expect.any(Number),
      delayTime: expect.any(Number),
      executionTime: expect.any(Number),
      workerId: "w1",
      retries: 0,
    });
    expect(r.text).not.toContain("payload");
    expect(r.text).not.toContain("result");
    const limited = await s.call("/v2/ep1/requests?limit=1");
    expect(limited.json.requests.map((j: { id: string }) => j.id)).toEqual([c]);
    const queued = await s.call("/v2/ep1/requests?status=in_queue");
    expect(queued.json.requests.map((j: { id: string }) => j.id)).toEqual([c, b]);
  });

  test("invalid limit or status → 400; wrong key → 401; unknown endpoint → 404", async () => {
    s = await startApi();
    for (const limit of ["0", "501", "abc", "1.5", "-1"]) {
      const r = await s.call(`/v2/ep1/requests?limit=${limit}`);
      expect(r.status, limit).toBe(400);
      expect(r.json).toEqual({ error: "limit is invalid; must be an integer between 1 and 500" });
    }
    const bad = await s.call("/v2/ep1/requests?status=DONE");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^status is invalid; must be one of IN_QUEUE, IN_PROGRESS/);
    expect((await s.call("/v2/ep1/requests", { auth: "Bearer nope" })).status).toBe(401);
    expect((await s.call("/v2/nope/requests")).json).toEqual({ error: "endpoint nope not found" });
  });

  test("has its own rate-limit group (10 per 10 s by default)", async () => {
    s = await startApi();
    for (let i = 0; i < 10; i++) expect((await s.call("/v2/ep1/requests")).status).toBe(200);
    const r = await s.call("/v2/ep1/requests");
    expect(r.status).toBe(429);
    expect(r.headers["retry-after"]).toBeDefined();
    expect((await s.call("/v2/ep1/health")).status).toBe(200);
  });
});
