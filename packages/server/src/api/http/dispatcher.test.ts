import { pino } from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { GantryMetrics } from "../../metrics/metrics.js";
import { API_KEY, type Api, startApi, until, WORKER_SECRET } from "../__tests__/fixture.js";
import { normalisePath } from "./path.js";

let s: Api;
afterEach(async () => {
  await s?.close();
});

describe("paths", () => {
  test("normalisePath collapses slashes and drops a trailing one", () => {
    expect(normalisePath("//v2//ep/run/")).toBe("/v2/ep/run");
    expect(normalisePath("/")).toBe("/");
    expect(normalisePath("///")).toBe("/");
  });

  test("double slashes (base URL with a trailing slash) and trailing slashes reach the route", async () => {
    s = await startApi();
    const ids: string[] = [];
    for (const path of ["/v2//ep1/run", "//v2/ep1/run", "/v2/ep1/run/", "/v2/ep1//run//"]) {
      const r = await s.call(path, { json: { input: path } });
      expect(r.status, path).toBe(200);
      ids.push(r.json.id);
    }
    expect(await s.queued()).toBe(4);
    expect((await s.call(`/v2/ep1//status/${ids[0]}/`)).json).toMatchObject({ id: ids[0] });
  });

  test("unknown routes and wrong methods → 404 JSON", async () => {
    s = await startApi();
    const r = await s.call("/nowhere");
    expect(r.status).toBe(404);
    expect(r.json).toEqual({ error: "route GET /nowhere not found" });
    const wrong = await s.call("/v2/ep1/run", { method: "GET" });
    expect(wrong.status).toBe(404);
    expect(wrong.json.error).toMatch(/not found/);
  });
});

test("CORS preflight allows the SDK headers without a key", async () => {
  s = await startApi();
  const r = await s.call("/v2/ep1/run", {
    method: "OPTIONS",
    auth: null,
    headers: {
      origin: "https://app.example.com",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization,content-type,idempotency-key,last-event-id",
    },
  });
  expect(r.status).toBe(204);
  expect(r.headers["access-control-allow-origin"]).toBe("*");
  const allowed = String(r.headers["access-control-allow-headers"]).toLowerCase();
  for (const h of ["authorization", "content-type", "user-agent", "last-event-id", "idempotency-key"]) {
    expect(allowed).toContain(h);
  }
  const simple = await s.call("/v2/ep1/health", { headers: { origin: "https://app.example.com" } });
  expect(simple.headers["access-control-allow-origin"]).toBe("*");
});

test("an unexpected engine error → 500 JSON, logged, and the server keeps serving", async () => {
  const lines: string[] = [];
  const logger = pino({ level: "error" }, { write: (l: string) => lines.push(l) });
  s = await startApi({
    logger,
    // Fault injection: the one way to provoke an unexpected error from the real engine.
    platform: (engine) => {
      engine.status = async () => {
        throw new Error("disk on fire");
      };
      return engine;
    },
  });
  const r = await s.call("/v2/ep1/status/job1");
  expect(r.status).toBe(500);
  expect(r.json).toEqual({ error: "internal server error" });
  expect(lines.join("")).toContain("disk on fire");
  expect((await s.call("/v2/ep1/health")).status).toBe(200);
});

test("/healthz and /openapi.json need no key", async () => {
  s = await startApi();
  const healthz = await s.call("/healthz", { auth: null });
  expect(healthz.json).toEqual({ status: "ok" });
  // Every response names the server, so clients can tell Gantry from RunPod's cloud.
  expect(healthz.headers["x-gantry-version"]).toMatch(/^\d+\.\d+\.\d+/);
  expect((await s.call("/v2/nope/health")).headers["x-gantry-version"]).toBeDefined();
  const doc = (await s.call("/openapi.json", { auth: null })).json;
  expect(doc.openapi).toBe("3.1.0");
  for (const p of [
    "/{endpointId}/run",
    "/{endpointId}/runsync",
    "/{endpointId}/status/{jobId}",
    "/{endpointId}/status-sync/{jobId}",
    "/{endpointId}/stream/{jobId}",
    "/{endpointId}/cancel/{jobId}",
    "/{endpointId}/retry/{jobId}",
    "/{endpointId}/purge-queue",
    "/{endpointId}/health",
    "/{endpointId}/requests",
  ]) {
    expect(doc.paths[p], p).toBeDefined();
  }
  expect(Object.keys(doc.paths["/{endpointId}/status/{jobId}"])).toEqual(
    expect.arrayContaining(["get", "post"]),
  );
});

test("/metrics exposes queue depth, job and worker states, histograms and HTTP counts", async () => {
  const metrics = new GantryMetrics();
  s = await startApi({ metrics });
  metrics.watch(s.engine, () => ["ep1"]);
  await s.call("/v2/ep1/run", { json: { input: 1 } });
  await s.call("/v2/ep1/run", { json: { input: 2 } });
  await s.call("/v2/ep1/status/nope");
  await s.call("/v2/ep1/ping/w1", { auth: WORKER_SECRET });
  metrics.observeTaken("ep1", 1500);
  metrics.observeTerminal("ep1", "COMPLETED", 250);
  const r = await s.call("/metrics", { auth: null });
  expect(r.status).toBe(200);
  expect(r.headers["content-type"]).toMatch(/^text\/plain/);
  expect(r.text).toContain('gantry_queue_depth{endpoint="ep1"} 2');
  expect(r.text).toContain('gantry_jobs{endpoint="ep1",state="inQueue"} 2');
  expect(r.text).toContain('gantry_workers{endpoint="ep1",state="idle"} 1');
  expect(r.text).toContain('gantry_job_delay_seconds_count{endpoint="ep1"} 1');
  expect(r.text).toContain('gantry_job_execution_seconds_sum{endpoint="ep1",status="COMPLETED"} 0.25');
  expect(r.text).toContain(
    'gantry_http_requests_total{method="POST",route="/v2/:endpointId/run",status="200"} 2',
  );
  expect(r.text).toContain(
    'gantry_http_requests_total{method="GET",route="/v2/:endpointId/status/:jobId",status="404"} 1',
  );
});

describe("rate limits", () => {
  test("per key and endpoint: 429 with Retry-After once the bucket is empty", async () => {
    s = await startApi({ limits: { rateLimits: { run: { limit: 2, windowMs: 60_000 } } } });
    expect((await s.call("/v2/ep1/run", { json: { input: 1 } })).status).toBe(200);
    expect((await s.call("/v2/ep1/run", { json: { input: 1 } })).status).toBe(200);
    const r = await s.call("/v2/ep1/run", { json: { input: 1 } });
    expect(r.status).toBe(429);
    expect(r.json).toEqual({ error: "rate limit exceeded for /run; retry after 30 s" });
    expect(r.headers["retry-after"]).toBe("30");
    expect(await s.queued()).toBe(2);
    // Other groups have their own buckets.
    expect((await s.call("/v2/ep1/health")).status).toBe(200);
  });

  test("purge-queue defaults to 2 per 10 s; keys do not share buckets", async () => {
    s = await startApi({ auth: { apiKeys: [API_KEY, "second-key"], workerSecret: WORKER_SECRET } });
    const post = (key: string) => s.call("/v2/ep1/purge-queue", { method: "POST", auth: `Bearer ${key}` });
    expect((await post(API_KEY)).status).toBe(200);
    expect((await post(API_KEY)).status).toBe(200);
    const third = await post(API_KEY);
    expect(third.status).toBe(429);
    expect(third.headers["retry-after"]).toBe("5");
    expect((await post("second-key")).status).toBe(200);
  });

  test("rateLimits: false turns them off", async () => {
    s = await startApi({ limits: { rateLimits: false } });
    for (let i = 0; i < 5; i++) {
      const r = await s.call("/v2/ep1/purge-queue", { method: "POST", auth: API_KEY });
      expect(r.status).toBe(200);
    }
  });
});

test("shutdown signal ends open long-polls at once", async () => {
  const shutdown = new AbortController();
  s = await startApi({ shutdownSignal: shutdown.signal, limits: { takeHoldMs: 60_000 } });
  const id = await s.submit();
  const started = Date.now();
  const stop = s.call("/v2/ep1/job-stop/w1?gpu=none", { auth: WORKER_SECRET });
  const sync = s.call(`/v2/ep1/status-sync/${id}?wait=60000`);
  await until(
    () => s.engine.waiters.sleeping("stop:w1") === 1 && s.engine.waiters.sleeping(`job:${id}`) === 1,
  );
  shutdown.abort();
  expect((await stop).status).toBe(204);
  expect((await sync).json).toEqual({ id, status: "IN_QUEUE" });
  expect(Date.now() - started).toBeLessThan(30_000);
});

test("auth disabled: public and worker routes open", async () => {
  s = await startApi({
    auth: { apiKeys: [], workerSecret: "", disabled: true },
    limits: { takeHoldMs: 1000 },
  });
  expect((await s.call("/v2/ep1/run", { json: { input: 1 }, auth: null })).status).toBe(200);
  expect((await s.call("/v2/ep1/ping/w1", { auth: null })).status).toBe(200);
});
