import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { request } from "undici";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { type GantryServer, type StartServerOptions, startServer } from "./server.js";

let dir: string;
let server: GantryServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gantry-server-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const silent = pino({ level: "silent" });

/** A server on the in-memory store with fixed keys and endpoint `ep1`; `config` adds or replaces top-level keys. */
function memoryServer(
  config: Record<string, unknown> = {},
  options: Omit<StartServerOptions, "config"> = {},
): Promise<GantryServer> {
  return startServer({
    config: {
      port: 0,
      dataDir: dir,
      store: "memory",
      auth: { apiKeys: ["client-key-1"], workerSecret: "worker-secret-1" },
      endpoints: [{ id: "ep1" }],
      ...config,
    },
    env: {},
    logger: silent,
    ...options,
  });
}

async function call(
  url: string,
  opts: { method?: "GET" | "POST"; auth?: string; body?: string; headers?: Record<string, string> } = {},
) {
  const res = await request(url, {
    method: opts.method ?? (opts.body === undefined ? "GET" : "POST"),
    headers: { ...(opts.auth ? { authorization: opts.auth } : {}), ...(opts.headers ?? {}) },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const text = await res.body.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, text, json, headers: res.headers };
}

describe("startServer with the real engine", () => {
  test("a job through the whole protocol: run → take → stream → progress → done → status/stream/metrics", async () => {
    server = await memoryServer({ takeHoldMs: 2000 });
    const base = `${server.url}/v2/ep1`;
    const key = "Bearer client-key-1";
    const worker = "worker-secret-1";

    const run = await call(`${base}/run`, {
      auth: key,
      body: JSON.stringify({ input: { n: 3 }, webhookV2: "x" }),
    });
    expect(run.status).toBe(200);
    expect(run.json.status).toBe("IN_QUEUE");
    const id: string = run.json.id;
    expect(id).toMatch(/^[0-9a-f-]{36}-[A-Za-z0-9]+$/);

    const take = await call(`${base}/job-take/w1?gpu=none&job_in_progress=0`, { auth: worker });
    expect(take.status).toBe(200);
    expect(take.json).toMatchObject({ id, input: { n: 3 }, webhookV2: "x" });

    const form = { "content-type": "application/x-www-form-urlencoded" };
    for (const i of [0, 1]) {
      const chunk = await call(`${base}/job-stream/w1/${id}?gpu=none&isStream=false`, {
        auth: worker,
        body: JSON.stringify({ output: { i } }),
        headers: form,
      });
      expect(chunk.status).toBe(200);
    }
    const progress = await call(`${base}/job-done/w1/${id}?gpu=none&isStream=false`, {
      auth: worker,
      body: '{"status": "IN_PROGRESS", "output": {"progress": NaN}}',
      headers: form,
    });
    expect(progress.status).toBe(200);
    const mid = await call(`${base}/status/${id}`, { auth: key });
    expect(mid.json).toMatchObject({ id, status: "IN_PROGRESS", output: { progress: null } });

    const drained = await call(`${base}/stream/${id}`, { auth: key });
    expect(drained.json).toEqual({
      status: "IN_PROGRESS",
      stream: [{ output: { i: 0 } }, { output: { i: 1 } }],
    });

    const done = await call(`${base}/job-done/w1/${id}?gpu=none&isStream=true`, {
      auth: worker,
      body: JSON.stringify({ output: [{ i: 0 }, { i: 1 }] }),
      headers: form,
    });
    expect(done.status).toBe(200);
    const final = await call(`${base}/status-sync/${id}?wait=5000`, { auth: key });
    expect(final.json).toMatchObject({ id, status: "COMPLETED", output: [{ i: 0 }, { i: 1 }] });
    expect((await call(`${base}/stream/${id}`, { auth: key })).json).toEqual({
      status: "COMPLETED",
      stream: [],
    });

    const metrics = await call(`${server.url}/metrics`);
    expect(metrics.text).toContain('gantry_job_delay_seconds_count{endpoint="ep1"} 1');
    expect(metrics.text).toMatch(/gantry_job_execution_seconds_count\{endpoint="ep1",status="COMPLETED"\} 1/);
    expect(metrics.text).toContain('gantry_jobs{endpoint="ep1",state="completed"} 1');
  });

  test("SSE with the real engine: live chunks and the terminal status, then resume by Last-Event-ID", async () => {
    server = await memoryServer();
    const base = `${server.url}/v2/ep1`;
    const id = (await call(`${base}/run`, { auth: "client-key-1", body: '{"input": 1}' })).json.id;
    await call(`${base}/job-take/w1?gpu=none`, { auth: "worker-secret-1" });
    await call(`${base}/job-stream/w1/${id}?gpu=none`, { auth: "worker-secret-1", body: '{"output": "a"}' });
    await call(`${base}/job-done/w1/${id}?gpu=none&isStream=true`, {
      auth: "worker-secret-1",
      body: '{"output": []}',
    });
    const read = async (headers: Record<string, string>) => {
      const res = await request(`${base}/stream/${id}`, {
        headers: { authorization: "client-key-1", accept: "text/event-stream", ...headers },
      });
      expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
      const text = await res.body.text();
      return text
        .split("\n\n")
        .filter((f) => f.includes("event:"))
        .map((f) => ({
          event: /event: (.*)/.exec(f)?.[1],
          id: Number(/id: (.*)/.exec(f)?.[1]),
          data: JSON.parse(/data: (.*)/.exec(f)?.[1] ?? "null"),
        }));
    };
    const all = await read({});
    expect(all.some((e) => e.event === "chunk" && e.data.output === "a")).toBe(true);
    const last = all.at(-1)!;
    expect(last.event).toBe("status");
    expect(last.data.status).toBe("COMPLETED");
    const ids = all.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const resumed = await read({ "last-event-id": String(ids[0]) });
    expect(resumed.map((e) => e.id)).toEqual(ids.slice(1));
  });

  test("runsync returns the result when a worker finishes within the wait", async () => {
    server = await memoryServer();
    const base = `${server.url}/v2/ep1`;
    const sync = call(`${base}/runsync?wait=20000`, { auth: "client-key-1", body: '{"input": 21}' });
    const take = await call(`${base}/job-take/w1?gpu=none`, { auth: "worker-secret-1" });
    expect(take.json.id).toMatch(/^sync-/);
    await call(`${base}/job-done/w1/${take.json.id}?gpu=none&isStream=false`, {
      auth: "worker-secret-1",
      body: JSON.stringify({ output: take.json.input * 2 }),
    });
    expect((await sync).json).toMatchObject({
      id: take.json.id,
      status: "COMPLETED",
      output: 42,
      workerId: "w1",
    });
  });

  test("a too-large result fails the job with a clear error (real engine)", async () => {
    server = await memoryServer({ endpoints: [{ id: "ep1", limits: { resultBytes: 1024 } }] });
    const base = `${server.url}/v2/ep1`;
    const id = (await call(`${base}/run`, { auth: "client-key-1", body: '{"input": 1}' })).json.id;
    await call(`${base}/job-take/w1?gpu=none`, { auth: "worker-secret-1" });
    const r = await call(`${base}/job-done/w1/${id}?gpu=none&isStream=false`, {
      auth: "worker-secret-1",
      body: JSON.stringify({ output: "z".repeat(4096) }),
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: "result is too large; max size is 1 KB" });
    const status = (await call(`${base}/status/${id}`, { auth: "client-key-1" })).json;
    expect(status.status).toBe("FAILED");
    expect(status.error).toMatch(/result too large/);
  });

  test("generates secrets on first start (0600), reuses them, and opens a SQLite file in dataDir", async () => {
    const config = { port: 0, dataDir: dir, endpoints: [{ id: "ep1" }] };
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (l: string) => lines.push(l) });
    server = await startServer({ config, env: {}, logger });
    const secretsPath = join(dir, "secrets.json");
    expect(statSync(secretsPath).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(secretsPath, "utf8"));
    expect(server.apiKeys).toEqual([stored.apiKey]);
    expect(server.workerSecret).toBe(stored.workerSecret);
    expect(lines.join("")).toContain(stored.apiKey);
    expect(statSync(join(dir, "gantry.db")).isFile()).toBe(true);
    const id = (await call(`${server.url}/v2/ep1/run`, { auth: stored.apiKey, body: '{"input": 1}' })).json
      .id;
    await server.close();

    lines.length = 0;
    server = await startServer({ config, env: {}, logger });
    expect(server.apiKeys).toEqual([stored.apiKey]);
    expect(lines.join("")).not.toContain(stored.apiKey);
    // Durable: the job survived the restart.
    expect((await call(`${server.url}/v2/ep1/status/${id}`, { auth: stored.apiKey })).json).toEqual({
      id,
      status: "IN_QUEUE",
    });
  });

  test("close() ends an open long-poll promptly and releases the port", async () => {
    server = await memoryServer({ takeHoldMs: 60_000 });
    const take = call(`${server.url}/v2/ep1/job-take/w1?gpu=none`, { auth: "worker-secret-1" }).catch(
      (e: Error) => e,
    );
    // The take is in flight once the engine knows the worker.
    while ((await server.engine.listWorkers("ep1")).length === 0) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await server.close();
    const r = await take;
    expect(r instanceof Error || r.status === 204).toBe(true);
    expect(Date.now() - started).toBeLessThan(10_000);
    server = undefined;
  });

  test("defaultEndpoint: its public routes also answer without the prefix, nothing else is rewritten", async () => {
    server = await memoryServer({ endpoints: [{ id: "ep1" }, { id: "ep2" }] }, { defaultEndpoint: "ep2" });
    const key = "Bearer client-key-1";
    const run = await call(`${server.url}/run`, { auth: key, body: '{"input": 1}' });
    expect(run.status).toBe(200);
    const id: string = run.json.id;
    expect((await call(`${server.url}/v2/ep2/status/${id}`, { auth: key })).json.status).toBe("IN_QUEUE");
    expect((await call(`${server.url}/status/${id}?x=1`, { auth: key })).json.status).toBe("IN_QUEUE");
    // The other endpoint does not know the job; worker routes keep their prefix.
    expect((await call(`${server.url}/v2/ep1/status/${id}`, { auth: key })).status).toBe(404);
    expect((await call(`${server.url}/job-take/w1`, { auth: "worker-secret-1" })).status).toBe(404);
    expect((await call(`${server.url}/healthz`)).json).toEqual({ status: "ok" });

    await expect(memoryServer({ endpoints: [] }, { defaultEndpoint: "ep1" })).rejects.toThrow(
      /default endpoint ep1 is not one of the endpoints/,
    );
  });

  test("a port in use is reported in words, keeping the system code", async () => {
    server = await memoryServer();
    const err = await memoryServer({ port: server.port }).catch((e: NodeJS.ErrnoException) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
    expect((err as Error).message).toBe(`port ${server.port} on 127.0.0.1 is already in use`);
  });

  test("bound to localhost, workers are told the address actually bound", async () => {
    server = await memoryServer({ host: "localhost" });
    expect(server.publicUrl).toBe(server.url);
    expect(server.publicUrl).toMatch(/^http:\/\/(127\.0\.0\.1|\[::1\]):\d+$/);
  });

  test("refuses auth.disabled on a non-loopback bind", async () => {
    await expect(
      startServer({
        config: { host: "0.0.0.0", port: 0, dataDir: dir, auth: { disabled: true } },
        env: {},
        logger: silent,
      }),
    ).rejects.toThrow(/auth\.disabled: only allowed when bound to a loopback host/);
  });
});
