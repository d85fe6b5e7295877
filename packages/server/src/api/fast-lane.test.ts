/**
 * The fast lane (fast-lane.ts) against the Hono app: the same requests, sent to a server with the lane and to one
 * without, get the same status, body and headers; and the lane takes exactly the plain submissions.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GantryServer, startServer } from "../server.js";
import { createApiHandlers } from "./app.js";

const KEY = "parity-key-0001";
const SECRET = "parity-worker-0001";

interface Reply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface Call {
  method?: "POST" | "GET";
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
}

async function send(base: string, call: Call): Promise<Reply> {
  const headers: Record<string, string> = { authorization: `Bearer ${KEY}`, ...call.headers };
  for (const [k, v] of Object.entries(headers)) if (v === "") delete headers[k];
  const body =
    call.body === undefined ? undefined : call.chunked ? Readable.from([Buffer.from(call.body)]) : call.body;
  if (body !== undefined && !call.chunked) headers["content-type"] ??= "application/json";
  const res = await request(`${base}${call.path}`, { method: call.method ?? "POST", headers, body });
  const text = await res.body.text();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    // Per-connection and per-moment headers; the length follows the body, compared below.
    if (["date", "connection", "keep-alive", "content-length"].includes(k)) continue;
    out[k] = String(v);
  }
  return { status: res.statusCode, body: text === "" ? "" : JSON.parse(text), headers: out };
}

/** Ids and timings differ between two servers; their shape must not. */
const JOB_ID = /(sync-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-[A-Za-z0-9]+/g;

function normalise(value: unknown): unknown {
  if (typeof value === "string") return value.replace(JOB_ID, "<id>");
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "id" && typeof v === "string") out[k] = "<id>";
      else if ((k === "delayTime" || k === "executionTime") && typeof v === "number") out[k] = "<ms>";
      else out[k] = normalise(v);
    }
    return out;
  }
  return value;
}

const CONFIG = (dataDir: string) => ({
  port: 0,
  dataDir,
  store: "memory",
  auth: { apiKeys: [KEY], workerSecret: SECRET },
  rateLimits: { run: { limit: 40, windowMs: 600_000 } },
  takeHoldMs: 1000,
  endpoints: [
    { id: "ep1", limits: { runBytes: 300 } },
    { id: "capped", limits: { maxQueue: 1 } },
    { id: "sync" },
    { id: "st" },
    { id: "wk", limits: { resultBytes: 200, chunkBytes: 100 } },
  ],
});

const W = { authorization: SECRET };

/** One worker's session on endpoint `wk`, every reply kept: the same script runs against both servers. */
async function workerScript(base: string): Promise<Reply[]> {
  const out: Reply[] = [];
  const step = async (call: Call) => {
    const r = await send(base, { ...call, headers: { ...W, ...call.headers } });
    out.push(r);
    return r;
  };
  const get = (path: string, headers?: Record<string, string>) =>
    step({ method: "GET", path, ...(headers ? { headers } : {}) });
  const submit = async () =>
    ((await send(base, { path: "/v2/wk/run", body: '{"input":{"k":1}}' })).body as { id: string }).id;

  await get("/v2/wk/job-take/w1?gpu=none&job_in_progress=0"); // held, then 204
  const ids = [await submit(), await submit(), await submit(), await submit()];
  await get("/v2/wk/job-take/w1?gpu=none&job_in_progress=0");
  await get("/v2/wk/job-take-batch/w1?batch_size=abc");
  await get("/v2/wk/job-take-batch/w1?batch_size=1&batch_size=7");
  await step({ path: `/v2/wk/job-done/w1/${ids[0]}?gpu=none`, body: '{"output":{"ok":1}}' });
  await step({ path: `/v2/wk/job-done/w1/${ids[0]}?gpu=none`, body: '{"output":{"ok":1}}' });
  await step({ path: `/v2/wk/job-done/w1/${ids[1]}?take=abc`, body: '{"output":1}' });
  await step({ path: `/v2/wk/job-done/w2/${ids[1]}`, body: '{"output":1}' });
  await step({ path: `/v2/wk/job-done/w1/${ids[1]}?take=5&isStream=false`, body: '{"output": NaN}' });
  await step({ path: `/v2/wk/job-stream/w1/${ids[2]}`, body: '{"output":"chunk"}' });
  await step({ path: `/v2/wk/job-stream/w1/${ids[2]}`, body: "{}" });
  await step({ path: `/v2/wk/job-stream/w1/${ids[2]}`, body: "[1]" });
  await step({ path: `/v2/wk/job-stream/w1/${ids[2]}`, body: `{"output":"${"x".repeat(200)}"}` });
  await step({ path: `/v2/wk/job-done/w1/${ids[2]}`, body: '{"output":1,"status":5}' });
  await step({ path: `/v2/wk/job-done/w1/${ids[2]}`, body: '{"output":"progress","status":"IN_PROGRESS"}' });
  await step({ path: "/v2/wk/job-done-batch/w1?take=1", body: JSON.stringify([{ id: ids[2], output: 2 }]) });
  await step({ path: "/v2/wk/job-done-batch/w1", body: "[]" });
  await step({ path: "/v2/wk/job-done-batch/w1", body: '[{"id":"no.pe","output":1}]' });
  await step({ path: `/v2/wk/job-done/w1/${ids[3]}`, body: `{"output":"${"x".repeat(300)}"}` });
  await step({ path: `/v2/wk/job-done/w1/${ids[3]}`, body: '{"output":1}', chunked: true });
  await step({ path: "/v2/wk/job-done/w1/no.pe", body: '{"output":1}' });
  await get("/v2/wk/ping/w1?job_id=&status=ok&runpod_version=1.7.0");
  await get("/v2/wk/ping/w%201");
  await get("/v2/wk/job-take/w1", { authorization: "wrong" });
  await get("/v2/nope/job-take/w1");
  await step({ method: "GET", path: "/v2/wk/job-done/w1/abc" });
  await step({ path: "/v2/wk/job-take/w1", body: "{}" });
  await get("/v2/wk/job-stop/w9?gpu=none"); // held, then 204
  const stopped = await submit();
  await get("/v2/wk/job-take/w9?gpu=none&job_in_progress=0");
  await send(base, { path: `/v2/wk/cancel/${stopped}` });
  await get("/v2/wk/job-stop/w9?gpu=none");
  return out;
}

describe("fast lane parity with the Hono app", () => {
  let dir: string;
  let lane: GantryServer;
  let hono: GantryServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "gantry-fast-lane-"));
    lane = await startServer({ config: CONFIG(join(dir, "lane")), env: {} });
    hono = await startServer({ config: CONFIG(join(dir, "hono")), env: {}, fastLane: false });
  });
  afterAll(async () => {
    await lane?.close();
    await hono?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const both = async (call: Call): Promise<[Reply, Reply]> => [
    await send(lane.url, call),
    await send(hono.url, call),
  ];

  const cases: [string, Call][] = [
    ["a plain /run", { path: "/v2/ep1/run", body: '{"input":{"a":1}}' }],
    [
      "a /run with webhook and policy",
      {
        path: "/v2/ep1/run",
        body: '{"input":1,"webhook":"http://127.0.0.1:9/h","policy":{"executionTimeout":5000,"ttl":60000}}',
      },
    ],
    ["a body with a byte-order mark", { path: "/v2/ep1/run", body: '\uFEFF{"input":2}' }],
    ["invalid JSON", { path: "/v2/ep1/run", body: '{"input":' }],
    ["an empty body", { path: "/v2/ep1/run", body: "" }],
    ["an array body", { path: "/v2/ep1/run", body: "[1]" }],
    ["no input", { path: "/v2/ep1/run", body: '{"webhook":"http://127.0.0.1:9/h"}' }],
    ["a bad policy", { path: "/v2/ep1/run", body: '{"input":1,"policy":{"executionTimeout":-5}}' }],
    ["an unknown field", { path: "/v2/ep1/run", body: '{"input":1,"surprise":true}' }],
    [
      "an invalid Idempotency-Key",
      { path: "/v2/ep1/run", body: '{"input":1}', headers: { "idempotency-key": "x".repeat(201) } },
    ],
    ["no key", { path: "/v2/ep1/run", body: '{"input":1}', headers: { authorization: "" } }],
    ["a wrong key", { path: "/v2/ep1/run", body: '{"input":1}', headers: { authorization: "nope" } }],
    ["the bare key", { path: "/v2/ep1/run", body: '{"input":1}', headers: { authorization: KEY } }],
    ["an unknown endpoint", { path: "/v2/nope/run", body: '{"input":1}' }],
    ["a malformed endpoint id", { path: "/v2/no%20pe/run", body: '{"input":1}' }],
    ["a body over the endpoint's limit", { path: "/v2/ep1/run", body: `{"input":"${"x".repeat(400)}"}` }],
    ["a chunked body", { path: "/v2/ep1/run", body: '{"input":3}', chunked: true }],
    [
      "a chunked body over the limit",
      { path: "/v2/ep1/run", body: `{"input":"${"x".repeat(400)}"}`, chunked: true },
    ],
    ["a query on /run", { path: "/v2/ep1/run?x=1", body: '{"input":1}' }],
    ["a doubled slash", { path: "/v2//ep1/run", body: '{"input":1}' }],
    ["a trailing slash", { path: "/v2/ep1/run/", body: '{"input":1}' }],
    ["a bad runsync wait", { path: "/v2/ep1/runsync?wait=abc", body: '{"input":1}' }],
    ["a runsync wait below the minimum", { path: "/v2/ep1/runsync?wait=10", body: '{"input":1}' }],
    ["a runsync that times out in the queue", { path: "/v2/ep1/runsync?wait=1000", body: '{"input":1}' }],
    ["the status of an unknown job", { method: "GET", path: "/v2/ep1/status/abc" }],
    ["the status of an unknown job, by POST", { path: "/v2/ep1/status/abc" }],
    ["a status with a query", { method: "GET", path: "/v2/ep1/status/abc?x=1" }],
    ["a status of an id of the wrong shape", { method: "GET", path: "/v2/ep1/status/a.b" }],
    [
      "a status with a wrong key",
      { method: "GET", path: "/v2/ep1/status/abc", headers: { authorization: "no" } },
    ],
    ["a status of an unknown endpoint", { method: "GET", path: "/v2/nope/status/abc" }],
    ["a full queue (1)", { path: "/v2/capped/run", body: '{"input":1}' }],
    ["a full queue (2)", { path: "/v2/capped/run", body: '{"input":1}' }],
  ];

  it.each(cases)("%s: same answer both ways", async (_name, call) => {
    const [a, b] = await both(call);
    expect(normalise(a.body)).toEqual(normalise(b.body));
    expect(a.status).toBe(b.status);
    expect(a.headers).toEqual(b.headers);
  });

  it("a worker's session on the protocol routes gets the same answers both ways", async () => {
    const a = await workerScript(lane.url);
    const b = await workerScript(hono.url);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [a[i] as Reply, b[i] as Reply];
      expect({ step: i, status: x.status, body: normalise(x.body) }).toEqual({
        step: i,
        status: y.status,
        body: normalise(y.body),
      });
      expect({ step: i, headers: x.headers }).toEqual({ step: i, headers: y.headers });
    }
    // The cancelled job's stop reached its worker.
    expect(normalise(a.at(-1)?.body)).toEqual({ jobsToStop: ["<id>"] });
    // The script covered answers of every kind.
    expect(new Set(a.map((r) => r.status))).toEqual(new Set([200, 204, 400, 401, 404]));
  });

  it("the status of a queued job is the same both ways", async () => {
    const [a, b] = await Promise.all(
      [lane, hono].map(async (server) => {
        const { id } = (await send(server.url, { path: "/v2/st/run", body: '{"input":1}' })).body as {
          id: string;
        };
        return send(server.url, { method: "GET", path: `/v2/st/status/${id}` });
      }),
    );
    expect((a as Reply).status).toBe(200);
    expect(normalise((a as Reply).body)).toEqual(normalise((b as Reply).body));
    expect((a as Reply).headers).toEqual((b as Reply).headers);
  });

  it("an Idempotency-Key repeat returns the first job both ways", async () => {
    for (const server of [lane, hono]) {
      const call = { path: "/v2/ep1/run", body: '{"input":1}', headers: { "idempotency-key": "same-1" } };
      const first = (await send(server.url, call)).body as { id: string };
      const again = (await send(server.url, call)).body as { id: string };
      expect(again.id).toBe(first.id);
    }
  });

  it("a completed runsync answers the result both ways", async () => {
    const replies: Reply[] = [];
    for (const server of [lane, hono]) {
      const pending = send(server.url, { path: "/v2/sync/runsync", body: '{"input":{"n":7}}' });
      const auth = { authorization: SECRET };
      const take = await request(`${server.url}/v2/sync/job-take/w1?gpu=none&job_in_progress=0`, {
        headers: auth,
      });
      const job = (await take.body.json()) as { id: string; input: unknown };
      expect(job.input).toEqual({ n: 7 });
      const done = await request(`${server.url}/v2/sync/job-done/w1/${job.id}?gpu=none`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: '{"output":{"ok":true}}',
      });
      await done.body.text();
      replies.push(await pending);
    }
    const [a, b] = replies as [Reply, Reply];
    expect(a.status).toBe(200);
    expect((a.body as { status: string }).status).toBe("COMPLETED");
    expect(normalise(a.body)).toEqual(normalise(b.body));
    expect(a.headers).toEqual(b.headers);
  });

  it("the rate limit refuses the same request both ways, after the same count", async () => {
    const refusedAt: number[] = [];
    for (const server of [lane, hono]) {
      let n = 0;
      let last: Reply;
      do {
        last = await send(server.url, { path: "/v2/ep1/run", body: '{"input":1}' });
        n++;
      } while (last.status === 200 && n < 100);
      expect(last.status).toBe(429);
      expect(last.headers["retry-after"]).toMatch(/^\d+$/);
      refusedAt.push(n);
    }
    expect(refusedAt[0]).toBe(refusedAt[1]);
  });

  it("counts fast-lane requests in the same metric series as the app's", async () => {
    const metricsOf = async (server: GantryServer) => {
      const res = await request(`${server.url}/metrics`);
      const text = await res.body.text();
      return text
        .split("\n")
        .filter((l) => l.startsWith("gantry_http_requests_total") && l.includes("/run"))
        .sort();
    };
    const a = await metricsOf(lane);
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(await metricsOf(hono));
  });
});

describe("what the fast lane takes", () => {
  let dir: string;
  let server: GantryServer;
  let probe: Server;
  let base: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "gantry-fast-lane-"));
    server = await startServer({ config: CONFIG(dir), env: {} });
    // A second lane over the same platform, in a server that answers 599 for whatever the lane leaves.
    const { fastLane } = createApiHandlers({
      // `status` of job "boom" answers what JSON cannot hold: an operation failing past its guards.
      platform: new Proxy(server.platform, {
        get(target, key) {
          if (key === "status")
            return async (ep: string, id: string) => (id === "boom" ? { big: 1n } : target.status(ep, id));
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
      auth: { apiKeys: [KEY], workerSecret: SECRET },
      limits: { rateLimits: false, runBytes: 300, resultBytes: 300, takeHoldMs: 1000 },
    });
    probe = createServer((req, res) => {
      if (fastLane(req, res)) return;
      res.writeHead(599);
      res.end();
    });
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    base = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    probe.closeAllConnections();
    await new Promise<void>((r) => probe.close(() => r()));
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const taken: [string, Call, number][] = [
    ["a plain /run", { path: "/v2/ep1/run", body: '{"input":1}' }, 200],
    ["a runsync with wait", { path: "/v2/ep1/runsync?wait=1000", body: '{"input":1}' }, 200],
    ["invalid JSON (answered by the lane)", { path: "/v2/ep1/run", body: "{" }, 400],
    [
      "an invalid Idempotency-Key",
      { path: "/v2/ep1/run", body: "{}", headers: { "idempotency-key": "" } },
      400,
    ],
    ["a full queue", { path: "/v2/capped/run", body: '{"input":1}' }, 200],
    ["a full queue, again", { path: "/v2/capped/run", body: '{"input":1}' }, 429],
    ["a status", { method: "GET", path: "/v2/ep1/status/abc" }, 404],
    ["a status by POST without a body", { path: "/v2/ep1/status/abc" }, 404],
    ["a ping", { method: "GET", path: "/v2/ep1/ping/w1?job_id=", headers: W }, 200],
    ["a job-stop poll that finds nothing", { method: "GET", path: "/v2/ep1/job-stop/w1", headers: W }, 204],
    ["a job-take that finds nothing", { method: "GET", path: "/v2/sync/job-take/w1", headers: W }, 204],
    [
      "a job-take-batch with a bad size",
      { method: "GET", path: "/v2/ep1/job-take-batch/w1?batch_size=0", headers: W },
      400,
    ],
    [
      "a job-done of an unknown job",
      { path: "/v2/ep1/job-done/w1/abc", body: '{"output":1}', headers: W },
      404,
    ],
    ["a job-done-batch of nothing", { path: "/v2/ep1/job-done-batch/w1", body: "[]", headers: W }, 400],
    ["a job-stream without output", { path: "/v2/ep1/job-stream/w1/abc", body: "{}", headers: W }, 400],
  ];
  const left: [string, Call][] = [
    ["a GET", { method: "GET", path: "/v2/ep1/run" }],
    ["no key", { path: "/v2/ep1/run", body: "{}", headers: { authorization: "" } }],
    ["a wrong key", { path: "/v2/ep1/run", body: "{}", headers: { authorization: "nope" } }],
    ["an unknown endpoint", { path: "/v2/nope/run", body: "{}" }],
    ["a body over the limit", { path: "/v2/ep1/run", body: "x".repeat(301) }],
    ["a chunked body", { path: "/v2/ep1/run", body: "{}", chunked: true }],
    ["another query", { path: "/v2/ep1/runsync?wait=1000&x=1", body: "{}" }],
    ["a query on /run", { path: "/v2/ep1/run?wait=1000", body: "{}" }],
    ["a doubled slash", { path: "/v2//ep1/run", body: "{}" }],
    ["another route", { path: "/v2/ep1/status/abc", body: "{}" }],
    ["a status with a body", { path: "/v2/ep1/status/abc", body: "{}" }],
    ["a status with a query", { method: "GET", path: "/v2/ep1/status/abc?x=1" }],
    ["a worker route with the API key", { method: "GET", path: "/v2/ep1/ping/w1" }],
    [
      "a worker route with a wrong secret",
      { method: "GET", path: "/v2/ep1/ping/w1", headers: { authorization: "x" } },
    ],
    ["a worker id of the wrong shape", { method: "GET", path: "/v2/ep1/ping/w%201", headers: W }],
    ["a GET of job-done", { method: "GET", path: "/v2/ep1/job-done/w1/abc", headers: W }],
    ["a job-take with a body", { path: "/v2/ep1/job-take/w1", body: "{}", headers: W }],
    ["a chunked result", { path: "/v2/ep1/job-done/w1/abc", body: "{}", chunked: true, headers: W }],
    ["a result over the limit", { path: "/v2/ep1/job-done/w1/abc", body: "x".repeat(301), headers: W }],
    ["a worker route of an unknown endpoint", { method: "GET", path: "/v2/nope/ping/w1", headers: W }],
  ];

  it.each(taken)("takes %s", async (_name, call, status) => {
    expect((await send(base, call)).status).toBe(status);
  });
  it("answers an operation that fails unexpectedly with the app's 500, and keeps serving", async () => {
    const r = await send(base, { method: "GET", path: "/v2/ep1/status/boom" });
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: "internal server error" });
    expect((await send(base, { path: "/v2/ep1/run", body: '{"input":1}' })).status).toBe(200);
  });

  it.each(left)("leaves %s to the app", async (_name, call) => {
    expect((await send(base, call)).status).toBe(599);
  });
});
