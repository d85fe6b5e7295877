/**
 * The admin API against a real server (`startServer`) with real worker processes: run-time scaling changes,
 * worker listings, logs (JSON and followed), stopping a worker, and a killed worker's job coming back at once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { until as pollUntil } from "../../../test/until.js";
import type { JobView } from "../../domain/job.js";
import { type GantryServer, startServer } from "../../server.js";

const API_KEY = "admin-test-api-key";
const ADMIN_KEY = "admin-only-key-123";
const REPO_ROOT = fileURLToPath(new URL("../../../../../", import.meta.url));
const CHATTY = fileURLToPath(new URL("../../../test/fixtures/chatty-worker.ts", import.meta.url));
const TSX = join(REPO_ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs");
const chattyCommand = [process.execPath, "--import", `file://${TSX}`, CHATTY];
/** Long on purpose: a requeue that happens well within it cannot be the lease lapsing. */
const LEASE_MS = 120_000;

let server: GantryServer | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

async function boot(endpoints: unknown[], auth: Record<string, unknown> = {}): Promise<GantryServer> {
  dataDir = mkdtempSync(join(tmpdir(), "gantry-admin-"));
  server = await startServer({
    config: {
      host: "127.0.0.1",
      port: 0,
      dataDir,
      pingIntervalMs: 1000,
      takeHoldMs: 2000,
      rateLimits: false,
      auth: { apiKeys: [API_KEY], workerSecret: "worker-secret-123", ...auth },
      endpoints,
    },
    logger: pino({ level: "silent" }),
    engineOptions: { sweepIntervalMs: 100, leaseMs: LEASE_MS },
    supervisorTuning: {
      tickMs: 100,
      stopGraceMs: 5_000,
      tuning: {
        minUptimeMs: 0,
        scaleDownCooldownMs: 0,
        backoff: { baseMs: 500, maxMs: 4_000, loopThreshold: 3 },
      },
    },
  });
  return server;
}

interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are read loosely; each assertion checks the shape it uses
  body: any;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

async function call(
  s: GantryServer,
  method: "GET" | "POST" | "PATCH",
  path: string,
  body?: unknown,
  key: string | null = API_KEY,
): Promise<Reply> {
  const res = await request(`${s.url}${path}`, {
    method,
    headers: {
      ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
      "content-type": "application/json",
    },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.statusCode, body: parsed, text, headers: res.headers };
}

async function ok(s: GantryServer, method: "GET" | "POST" | "PATCH", path: string, body?: unknown) {
  const r = await call(s, method, path, body);
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status} ${r.text}`);
  return r.body;
}

async function waitDone(s: GantryServer, ep: string, id: string, timeoutMs = 60_000): Promise<JobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = (await ok(s, "GET", `/v2/${ep}/status-sync/${id}?wait=5000`)) as JobView;
    if (["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"].includes(v.status)) return v;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${v.status}`);
  }
}

/** Polls across processes (a worker's state lives in another process; there is no event to await here). */
const until = <T>(fn: () => T | Promise<T>, what: string): Promise<NonNullable<T>> =>
  pollUntil(fn, 45_000, what);

interface W {
  id: string;
  state: string;
  managed: boolean;
  pid?: number;
  jobs: number;
  stopping?: string;
}
const listWorkers = async (s: GantryServer, ep: string): Promise<W[]> =>
  ((await ok(s, "GET", `/admin/v1/endpoints/${ep}/workers`)) as { workers: W[] }).workers;
const live = async (s: GantryServer, ep: string) =>
  (await listWorkers(s, ep)).filter((w) => w.managed && w.stopping === undefined);

describe("admin API", () => {
  it("lists endpoints with their settings, without worker env values", async () => {
    const s = await boot([
      {
        id: "managed",
        worker: { command: chattyCommand, env: { HF_TOKEN: "secret-value" } },
        scaling: { workersMax: 0 },
      },
      { id: "external" },
    ]);
    const r = await ok(s, "GET", "/admin/v1/endpoints");
    expect(r.endpoints.map((e: { id: string }) => e.id)).toEqual(["managed", "external"]);
    const [m, x] = r.endpoints;
    expect(m).toMatchObject({ managed: true, scaling: { workersMax: 0 }, maxRetries: 3 });
    expect(m.worker.envKeys).toEqual(["HF_TOKEN"]);
    expect(JSON.stringify(r)).not.toContain("secret-value");
    expect(x).toMatchObject({ managed: false, scaling: { workersMax: 3 } });
    expect(x.worker).toBeUndefined();

    const one = await ok(s, "GET", "/admin/v1/endpoints/external");
    expect(one.status).toMatchObject({ workers: [], jobs: { inQueue: 0 }, counts: { idle: 0 } });
  });

  it("refuses bad requests with precise messages", async () => {
    const s = await boot([
      { id: "ep", worker: { command: chattyCommand }, scaling: { workersMin: 0, workersMax: 2 } },
      { id: "external" },
    ]);
    const patch = (body: unknown, ep = "ep") => call(s, "PATCH", `/admin/v1/endpoints/${ep}/scaling`, body);

    expect((await call(s, "GET", "/admin/v1/endpoints", undefined, null)).status).toBe(401);
    expect((await call(s, "GET", "/admin/v1/endpoints", undefined, "wrong-key-123")).status).toBe(401);
    expect((await call(s, "PATCH", "/admin/v1/endpoints/ep/scaling", { workersMax: 3 }, null)).status).toBe(
      401,
    );

    let r = await patch({ workersMax: -1 });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^workersMax: /);
    r = await patch({ workersMax: 1.5, scalerType: "FAST" });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/workersMax: .*; scalerType: /);
    r = await patch({ workersMax: 2, bogus: 1 });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/bogus/);
    r = await patch({ workersMin: 5 });
    expect(r).toMatchObject({ status: 400, body: { error: "workersMin (5) exceeds workersMax (2)" } });
    r = await patch({});
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/nothing to change/);
    r = await patch("{not json");
    expect(r.status).toBe(400);
    r = await patch([1]);
    expect(r.status).toBe(400);
    r = await patch({ workersMax: 1 }, "nope");
    expect(r).toMatchObject({ status: 404, body: { error: "endpoint nope not found" } });
    r = await patch({ workersMax: 1 }, "external");
    expect(r.status).toBe(409);
    expect(r.body.error).toMatch(/no worker.command/);
    // Nothing invalid got through.
    expect((await ok(s, "GET", "/admin/v1/endpoints/ep")).scaling).toMatchObject({
      workersMin: 0,
      workersMax: 2,
    });

    r = await call(s, "GET", "/admin/v1/workers/ep-00000000/logs");
    expect(r.status).toBe(404);
    r = await call(s, "GET", "/admin/v1/workers/ep-00000000/logs?tail=abc");
    expect(r).toMatchObject({
      status: 400,
      body: { error: "tail is invalid; must be an integer between 0 and 1000" },
    });
    r = await call(s, "GET", "/admin/v1/workers/ep-00000000/logs?tail=1001");
    expect(r.status).toBe(400);
    r = await call(s, "GET", "/admin/v1/workers/bad%20id/logs");
    expect(r.status).toBe(404);
    r = await call(s, "POST", "/admin/v1/workers/ep-00000000/stop", { force: "yes" });
    expect(r).toMatchObject({ status: 400, body: { error: "force: must be a boolean" } });
    r = await call(s, "POST", "/admin/v1/workers/ep-00000000/stop");
    expect(r.status).toBe(404);
    r = await call(s, "GET", "/admin/v1/endpoints/nope");
    expect(r.status).toBe(404);
  });

  it("auth.adminKeys restricts the admin API to those keys", async () => {
    const s = await boot([{ id: "ep" }], { adminKeys: [ADMIN_KEY] });
    expect((await call(s, "GET", "/admin/v1/endpoints", undefined, API_KEY)).status).toBe(401);
    expect((await call(s, "GET", "/admin/v1/endpoints", undefined, ADMIN_KEY)).status).toBe(200);
    // The public API keeps its own keys.
    expect((await call(s, "GET", "/v2/ep/health", undefined, API_KEY)).status).toBe(200);
  });

  it("raising workersMax at run time starts more workers for a waiting queue", {
    timeout: 120_000,
  }, async () => {
    const s = await boot([
      {
        id: "grow",
        worker: { command: chattyCommand },
        scaling: { workersMax: 1, idleTimeoutS: 60, scalerType: "REQUEST_COUNT", scalerValue: 1 },
      },
    ]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        ((await ok(s, "POST", "/v2/grow/run", { input: { sleepMs: 6_000, say: `job ${i}` } })) as JobView).id,
      );
    }
    await until(async () => (await live(s, "grow")).some((w) => w.state === "running"), "one running worker");
    expect(await live(s, "grow")).toHaveLength(1);
    const queued = (await ok(s, "GET", `/v2/grow/status/${ids[2]}`)) as JobView;
    expect(queued.status).toBe("IN_QUEUE");
    expect(queued.hint).toMatch(/busy \(workersMax 1\)/);

    const r = await ok(s, "PATCH", "/admin/v1/endpoints/grow/scaling", { workersMax: 3 });
    expect(r).toEqual({
      id: "grow",
      scaling: {
        workersMin: 0,
        workersMax: 3,
        idleTimeoutS: 60,
        scalerType: "REQUEST_COUNT",
        scalerValue: 1,
      },
    });
    await until(async () => (await live(s, "grow")).length === 3, "three workers");
    expect((await ok(s, "GET", "/admin/v1/endpoints")).endpoints[0].scaling.workersMax).toBe(3);

    const views = await Promise.all(ids.map((id) => waitDone(s, "grow", id)));
    expect(views.map((v) => v.status)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(new Set(views.map((v) => (v.output as { worker: string }).worker)).size).toBeGreaterThan(1);

    const detail = await ok(s, "GET", "/admin/v1/endpoints/grow");
    expect(detail.status.coldStart.count).toBeGreaterThanOrEqual(3);
    expect(detail.status.jobs.completed).toBe(3);
    const health = await ok(s, "GET", "/v2/grow/health");
    expect(health.workers.idle + health.workers.running).toBe(3);
  });

  it("serves a worker's logs, follows them, and stops the worker", { timeout: 120_000 }, async () => {
    const s = await boot([
      {
        id: "talk",
        worker: { command: chattyCommand },
        scaling: { workersMin: 1, workersMax: 1, idleTimeoutS: 60 },
      },
    ]);
    const w = await until(async () => (await live(s, "talk")).find((x) => x.state === "idle"), "idle worker");
    const job = (await ok(s, "POST", "/v2/talk/run", { input: { say: "hello admin" } })) as JobView;
    expect((await waitDone(s, "talk", job.id)).status).toBe("COMPLETED");

    // The SDK logs "Finished." just after posting the result; wait for it so the log is quiet while it is read.
    const logs = await until(async () => {
      const l = await ok(s, "GET", `/admin/v1/workers/${w.id}/logs`);
      return l.lines.some((x: { line: string }) => x.line.includes("Finished.")) ? l : undefined;
    }, "the job's last log line");
    expect(logs).toMatchObject({ workerId: w.id, endpointId: "talk", running: true });
    const text = logs.lines.map((l: { line: string }) => l.line);
    expect(text).toContain(`chatty worker booting as ${w.id}`);
    expect(text).toContain("handler says: hello admin");
    expect(logs.lines.find((l: { line: string }) => l.line === "chatty worker stderr line")?.stream).toBe(
      "stderr",
    );
    const tail1 = await ok(s, "GET", `/admin/v1/workers/${w.id}/logs?tail=1`);
    expect(tail1.lines).toHaveLength(1);
    expect(tail1.lines[0].seq).toBe(logs.lines[logs.lines.length - 1].seq);

    // Follow: the backlog, a new line, then the exit when the worker is stopped.
    const res = await request(`${s.url}/admin/v1/workers/${w.id}/logs?follow=1&tail=0`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers["content-type"])).toMatch(/text\/event-stream/);
    let sse = "";
    const done = (async () => {
      for await (const chunk of res.body) sse += chunk.toString();
    })();
    const job2 = (await ok(s, "POST", "/v2/talk/run", { input: { say: "followed line" } })) as JobView;
    await waitDone(s, "talk", job2.id);
    await until(() => sse.includes("handler says: followed line"), "followed line");
    expect(sse).not.toContain("hello admin");

    const stopped = await ok(s, "POST", `/admin/v1/workers/${w.id}/stop`);
    expect(stopped).toMatchObject({ id: w.id, force: false });
    expect(stopped.stopping).toMatch(/administrator/);
    await done;
    expect(sse).toMatch(/event: exit\ndata: \{[^\n]*"why":"stopped by an administrator"/);

    const after = await ok(s, "GET", `/admin/v1/workers/${w.id}/logs`);
    expect(after.running).toBe(false);
    expect(after.exit.why).toBe("stopped by an administrator");
    expect((await call(s, "POST", `/admin/v1/workers/${w.id}/stop`)).status).toBe(409);
    // workersMin 1: a replacement comes up.
    await until(async () => (await live(s, "talk")).find((x) => x.id !== w.id), "replacement");
  });

  it("a killed worker's job is requeued at once and completed by a replacement", {
    timeout: 120_000,
  }, async () => {
    const s = await boot([
      { id: "die", worker: { command: chattyCommand }, scaling: { workersMax: 1, idleTimeoutS: 60 } },
    ]);
    const started = Date.now();
    const job = (await ok(s, "POST", "/v2/die/run", { input: { sleepMs: 4_000, say: "long" } })) as JobView;
    const victim = await until(
      async () => (await live(s, "die")).find((x) => x.state === "running"),
      "worker running the job",
    );
    const held = await ok(s, "GET", `/v2/die/status/${job.id}`);
    expect(held.status).toBe("IN_PROGRESS");

    const killed = await ok(s, "POST", `/admin/v1/workers/${victim.id}/stop?force=1`);
    expect(killed.force).toBe(true);
    const view = await waitDone(s, "die", job.id);
    expect(view.status).toBe("COMPLETED");
    expect((view.output as { worker: string }).worker).not.toBe(victim.id);
    // Far inside the 120 s lease: the exit released the job, the lease did not lapse.
    expect(Date.now() - started).toBeLessThan(LEASE_MS / 2);
    const health = await ok(s, "GET", "/v2/die/health");
    expect(health.jobs.retried).toBe(1);
    const logs = await ok(s, "GET", `/admin/v1/workers/${victim.id}/logs`);
    expect(logs.exit).toMatchObject({ signal: "SIGKILL" });
  });
});
