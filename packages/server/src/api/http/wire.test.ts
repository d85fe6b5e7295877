/**
 * What the one request path answers on the wire for the odd requests: bodies of every shape, odd paths and
 * targets, ids of the wrong shape, refusals with their exact headers, failures past the guards, metric labels.
 * (These were the fast lane's parity cases against the former Hono app; the answers are the same.)
 */

import { request as httpRequest } from "node:http";
import { Readable } from "node:stream";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GantryMetrics } from "../../metrics/metrics.js";
import { type Api, type Reply, startApi, WORKER_SECRET } from "../__tests__/fixture.js";

let s: Api;
const metrics = new GantryMetrics();
beforeAll(async () => {
  s = await startApi({
    endpoints: [{ id: "ep1" }, { id: "capped", limits: { maxQueue: 1 } }, { id: "wk" }],
    limits: { runBytes: 300, resultBytes: 200, streamChunkBytes: 100, takeHoldMs: 1000 },
    metrics,
    // `status` of job "boom" answers what JSON cannot hold: an operation failing past its guards.
    platform: (engine) => {
      const status = engine.status.bind(engine);
      engine.status = async (ep, id) => (id === "boom" ? ({ big: 1n } as never) : status(ep, id));
      return engine;
    },
  });
});
afterAll(async () => {
  await s?.close();
});

/** The headers of a reply, minus the per-connection and per-moment ones. */
const stable = (r: Reply): Record<string, unknown> => {
  const { date, connection, "keep-alive": _k, ...rest } = r.headers;
  return rest;
};

const COMMON = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "Retry-After,Content-Type,X-Gantry-Version",
  "x-gantry-version": expect.stringMatching(/^\d+\.\d+\.\d+/),
};

const run = (body: string | Readable, path = "/v2/ep1/run", auth?: string) =>
  s.call(path, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
    ...(auth !== undefined ? { auth } : {}),
  });
const chunked = (text: string) => Readable.from([Buffer.from(text)]);

describe("bodies", () => {
  test.each([
    ["a plain body", '{"input":{"a":1}}'],
    ["a body with a byte-order mark", '\uFEFF{"input":2}'],
    ["a chunked body", chunked('{"input":3}')],
  ])("%s is accepted", async (_name, body) => {
    const r = await run(body);
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("IN_QUEUE");
    expect(stable(r)).toEqual({
      ...COMMON,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(r.text)),
    });
  });

  test.each([
    ["declared", `{"input":"${"x".repeat(400)}"}`],
    ["chunked", chunked(`{"input":"${"x".repeat(400)}"}`)],
  ])("a %s body over the limit → 413, nothing queued", async (_name, body) => {
    const before = await s.queued();
    const r = await run(body);
    expect(r.status).toBe(413);
    expect(r.json).toEqual({ error: "json is invalid; max size is 300 bytes" });
    expect(await s.queued()).toBe(before);
  });

  test("a full queue → 429 with Retry-After", async () => {
    expect((await run('{"input":1}', "/v2/capped/run")).status).toBe(200);
    const r = await run('{"input":1}', "/v2/capped/run");
    expect(r.status).toBe(429);
    expect(stable(r)).toEqual({
      ...COMMON,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(r.text)),
      "retry-after": "1",
    });
  });
});

describe("paths and targets", () => {
  test.each([
    ["a query on /run", "/v2/ep1/run?x=1"],
    ["a doubled slash", "/v2//ep1/run"],
    ["a trailing slash", "/v2/ep1/run/"],
    ["a dot segment", "/v2/other/../ep1/run"],
  ])("%s reaches /run", async (_name, path) => {
    expect((await run('{"input":1}', path)).status).toBe(200);
  });

  test("ids of the wrong shape and unknown routes → 404 naming them; a worker id → 400", async () => {
    expect((await run('{"input":1}', "/v2/no%20pe/run")).json).toEqual({ error: "endpoint no pe not found" });
    expect((await s.call("/v2/ep1/status/a.b")).json).toEqual({ error: "job a.b not found" });
    expect((await s.call("/v2/ep1/status/abc?x=1")).json).toEqual({ error: "job abc not found" });
    expect((await s.call("/v2/ep1/status/abc", { method: "POST" })).status).toBe(404);
    const get = await s.call("/v2/ep1/job-done/w1/abc", { auth: WORKER_SECRET });
    expect(get.json).toEqual({ error: "route GET /v2/ep1/job-done/w1/abc not found" });
    const post = await s.call("/v2/ep1/job-take/w1", { auth: WORKER_SECRET, body: "{}" });
    expect(post.json).toEqual({ error: "route POST /v2/ep1/job-take/w1 not found" });
    const worker = await s.call("/v2/ep1/ping/w%201", { auth: WORKER_SECRET });
    expect(worker.status).toBe(400);
    expect(worker.json).toEqual({ error: 'worker id "w 1" is invalid; must match [A-Za-z0-9_-]+' });
  });

  test("a backslash in the path → 400 JSON", async () => {
    // Sent as is: a URL-building client would turn the backslash into a slash first.
    const r = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(`${s.url}/healthz`, { path: "/v2\\ep1/health" }, (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.end();
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toEqual({ error: "request target is invalid" });
  });

  test("HEAD answers as GET without a body", async () => {
    const res = await request(`${s.url}/healthz`, { method: "HEAD" });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe("");
    expect(res.headers["x-gantry-version"]).toBeDefined();
  });
});

describe("refusals and failures", () => {
  test("wrong keys: 401 on both kinds of route, with the common headers", async () => {
    const pub = await run('{"input":1}', "/v2/ep1/run", "nope");
    const wrk = await s.call("/v2/ep1/job-take/w1", { auth: "nope" });
    for (const r of [pub, wrk]) {
      expect(r.status).toBe(401);
      expect(r.json).toEqual({ error: "Unauthorized" });
      expect(stable(r)).toMatchObject(COMMON);
    }
    // The API key is not the worker secret, nor the other way round.
    expect((await s.call("/v2/ep1/ping/w1")).status).toBe(401);
  });

  test("a job-take long-poll that finds nothing → 204 with the common headers only", async () => {
    const r = await s.call("/v2/wk/job-take/w-idle?gpu=none", { auth: WORKER_SECRET });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(stable(r)).toEqual(COMMON);
  });

  test("a result over the limit (declared or chunked) fails the job and answers 400", async () => {
    for (const body of [`{"output":"${"x".repeat(300)}"}`, chunked(`{"output":"${"x".repeat(300)}"}`)]) {
      const { id } = (await s.call("/v2/wk/run", { json: { input: 1 } })).json;
      expect((await s.call("/v2/wk/job-take/w-big", { auth: WORKER_SECRET })).json.id).toBe(id);
      const r = await s.call(`/v2/wk/job-done/w-big/${id}`, { auth: WORKER_SECRET, body });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({ error: "result is too large; max size is 200 bytes" });
      expect((await s.call(`/v2/wk/status/${id}`)).json.status).toBe("FAILED");
    }
  });

  test("an operation failing past its guards → the logged 500, and the server keeps serving", async () => {
    const r = await s.call("/v2/ep1/status/boom");
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: "internal server error" });
    expect((await run('{"input":1}')).status).toBe(200);
  });

  test("every answer is counted under its route's pattern, or `unmatched`", async () => {
    await s.call("/nowhere");
    await s.call("/v2/ep1/ping/w1", { auth: WORKER_SECRET });
    const text = await metrics.render();
    expect(text).toContain(
      'gantry_http_requests_total{method="POST",route="/v2/:endpointId/run",status="200"}',
    );
    expect(text).toContain(
      'gantry_http_requests_total{method="POST",route="/v2/:endpointId/run",status="413"}',
    );
    expect(text).toContain('gantry_http_requests_total{method="GET",route="unmatched",status="404"}');
    expect(text).toContain(
      'gantry_http_requests_total{method="GET",route="/v2/:endpointId/ping/:workerId",status="200"}',
    );
    expect(text).toContain(
      'gantry_http_requests_total{method="GET",route="/v2/:endpointId/status/:jobId",status="500"}',
    );
  });
});
