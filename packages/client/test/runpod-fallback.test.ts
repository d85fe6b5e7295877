/**
 * Against a server that only speaks RunPod's API (a plain node:http server answering JSON, no server-sent
 * events, no long-poll hold): auto-detection falls back to the draining `/stream` poll without losing the chunks
 * the detection request already drained, and every stream ends on its terminal state.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Endpoint, GantryError } from "../src/index.js";

interface FakeJob {
  status: string;
  buffer: unknown[];
  output?: unknown;
}

const jobs = new Map<string, FakeJob>();
const requests: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
let server: Server;
let base: string;
let serial = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    req.resume();
    const path = (req.url ?? "").split("?")[0] ?? "";
    const m = /^\/v2\/rp\/([a-z-]+)(?:\/([\w-]+))?$/.exec(path);
    if (req.headers.authorization !== "Bearer rp-key") return send(401, { error: "Unauthorized" });
    if (!m) return send(404, { error: "not found" });
    const [, op, id] = m;
    if (op === "run") {
      const jobId = `job-${++serial}`;
      jobs.set(jobId, { status: "IN_QUEUE", buffer: [] });
      return send(200, { id: jobId, status: "IN_QUEUE" });
    }
    const job = id ? jobs.get(id) : undefined;
    if (!job) return send(404, { error: "job not found" });
    if (op === "stream") {
      // Drains, and answers at once: no hold, unlike RunPod's ~10 s.
      const stream = job.buffer.splice(0).map((output) => ({ output }));
      return send(200, { status: job.status, stream });
    }
    if (op === "status" || op === "status-sync")
      return send(200, { id, status: job.status, output: job.output });
    return send(404, { error: "not found" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2//`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** Feeds chunks into a fake job over time, then ends it with `final`. */
function script(id: string, chunks: unknown[], final: string, gapMs = 100): void {
  const job = jobs.get(id) as FakeJob;
  job.status = "IN_PROGRESS";
  let i = 0;
  const tick = setInterval(() => {
    if (i < chunks.length) job.buffer.push(chunks[i++]);
    else {
      clearInterval(tick);
      job.status = final;
    }
  }, gapMs);
}

describe("RunPod-only server", () => {
  it("auto-detection falls back to polling and delivers the chunks the probe drained", async () => {
    const ep = new Endpoint("rp", { apiKey: "rp-key", baseUrl: base });
    expect(ep.baseUrl).toMatch(/\/v2$/);
    const job = await ep.run({ prompt: "hi" });
    const fake = jobs.get(job.id) as FakeJob;
    fake.buffer.push("already", "buffered");
    script(job.id, ["a", "b", "c"], "COMPLETED");
    const before = requests.length;
    const got: unknown[] = [];
    for await (const c of job.stream()) got.push(c);
    expect(got).toEqual(["already", "buffered", "a", "b", "c"]);
    const streamCalls = requests.slice(before);
    expect(streamCalls[0]?.headers.accept).toBe("text/event-stream");
    expect(streamCalls.slice(1).every((r) => r.headers.accept === "application/json")).toBe(true);
    // The server does not hold requests: the client paces itself instead of spinning.
    expect(streamCalls.length).toBeLessThan(20);

    // Learned: the next stream on this endpoint polls straight away.
    const next = await ep.run({});
    script(next.id, [1], "COMPLETED", 50);
    const n0 = requests.length;
    const got2: unknown[] = [];
    for await (const c of next.stream()) got2.push(c);
    expect(got2).toEqual([1]);
    expect(requests[n0]?.headers.accept).toBe("application/json");
  });

  it("a stream ends on CANCELLED (the Python client loops forever there)", async () => {
    const ep = new Endpoint("rp", { apiKey: "rp-key", baseUrl: base });
    const job = await ep.run({});
    script(job.id, ["x"], "CANCELLED", 50);
    const got: unknown[] = [];
    for await (const c of job.stream({ timeout: 20_000 })) got.push(c);
    expect(got).toEqual(["x"]);
  });

  it("transport 'sse' refuses a server without server-sent events", async () => {
    const ep = new Endpoint("rp", { apiKey: "rp-key", baseUrl: base });
    const job = await ep.run({});
    script(job.id, [], "COMPLETED", 50);
    const err = await (async () => {
      for await (const _ of job.stream({ transport: "sse" })) {
        // unreachable
      }
    })().catch((e) => e);
    expect(err).toBeInstanceOf(GantryError);
    expect(String(err)).toContain("does not offer server-sent events");
  });

  it("sends Bearer auth, JSON bodies and an Idempotency-Key on run", async () => {
    const ep = new Endpoint("rp", { apiKey: "rp-key", baseUrl: base });
    const n0 = requests.length;
    await ep.run({ a: 1 }, { idempotencyKey: "k-1" });
    const r = requests[n0];
    expect(r?.method).toBe("POST");
    expect(r?.url).toBe("/v2/rp/run");
    expect(r?.headers.authorization).toBe("Bearer rp-key");
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(r?.headers["idempotency-key"]).toBe("k-1");
    // A RunPod-style server sends no X-Gantry-Version: the client does not take it for Gantry.
    expect(ep.serverVersion).toBeUndefined();
  });
});
