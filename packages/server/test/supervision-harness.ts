/**
 * A real Gantry stack for supervision tests: `startServer` (SQLite file store, loopback, port 0) whose endpoints
 * have a `worker.command`, so the platform starts and scales their workers. Timings are shortened so scale-up
 * and scale-down happen in seconds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import type { EndpointConfigInput } from "../src/domain/endpoint.js";
import type { JobView } from "../src/domain/job.js";
import type { Engine } from "../src/engine/engine.js";
import type { HealthView } from "../src/engine/platform.js";
import { startServer } from "../src/server.js";
import type { Supervision, SupervisionOptions } from "../src/supervisor/attach.js";

export { until } from "./until.js";

export const PY_WORKER = fileURLToPath(new URL("./fixtures/python-worker.py", import.meta.url));
export const SDK_WORKER = fileURLToPath(new URL("./fixtures/sdk-worker.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** `node --import tsx <sdk-worker.ts> …args`, resolvable from any working directory. */
export function sdkWorkerCommand(...args: string[]): string[] {
  const tsx = join(REPO_ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs");
  return [process.execPath, "--import", `file://${tsx}`, SDK_WORKER, ...args];
}

export const API_KEY = "test-api-key";
export const WORKER_SECRET = "test-worker-secret";

export interface Stack {
  url: string;
  engine: Engine;
  supervision: Supervision;
  dataDir: string;
  submit(endpointId: string, input: unknown, policy?: Record<string, unknown>): Promise<string>;
  status(endpointId: string, jobId: string): Promise<JobView>;
  health(endpointId: string): Promise<HealthView>;
  /** GET with the API key; the parsed JSON body (throws unless 200). */
  get<T>(path: string): Promise<T>;
  /** Resolves when the job is terminal (server-side long-poll, repeated). */
  waitDone(endpointId: string, jobId: string, timeoutMs?: number): Promise<JobView>;
  close(): Promise<void>;
}

export async function startStack(
  endpoints: EndpointConfigInput[],
  tuning: SupervisionOptions["tuning"] = {},
): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-sup-"));
  const server = await startServer({
    config: {
      host: "127.0.0.1",
      port: 0,
      dataDir,
      logLevel: "silent",
      auth: { apiKeys: [API_KEY], workerSecret: WORKER_SECRET },
      pingIntervalMs: 1_000,
      takeHoldMs: 2_000,
      rateLimits: false,
      endpoints,
    },
    env: {},
    engineOptions: { sweepIntervalMs: 100, leaseMs: 10_000 },
    supervisorTuning: {
      tickMs: 100,
      stopGraceMs: 10_000,
      overrunGraceMs: 3_000,
      tuning: {
        minUptimeMs: 0,
        scaleDownCooldownMs: 0,
        backoff: { baseMs: 500, maxMs: 4_000, loopThreshold: 3 },
      },
      ...tuning,
    },
  }).catch((err: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  const { url, engine, supervision } = server;
  if (!supervision) {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw new Error("supervision stack: no endpoint has a worker.command");
  }

  const call = async <T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> => {
    const res = await request(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${method} ${path} → ${res.statusCode} ${text}`);
    return JSON.parse(text) as T;
  };

  return {
    url,
    engine,
    supervision,
    dataDir,
    async submit(endpointId, input, policy) {
      const r = await call<{ id: string }>("POST", `/v2/${endpointId}/run`, {
        input,
        ...(policy ? { policy } : {}),
      });
      return r.id;
    },
    status: (endpointId, jobId) => call<JobView>("GET", `/v2/${endpointId}/status/${jobId}`),
    health: (endpointId) => call<HealthView>("GET", `/v2/${endpointId}/health`),
    get: <T>(path: string) => call<T>("GET", path),
    async waitDone(endpointId, jobId, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = deadline - Date.now();
        const wait = Math.max(1_000, Math.min(10_000, left));
        const v = await call<JobView>("GET", `/v2/${endpointId}/status-sync/${jobId}?wait=${wait}`);
        if (["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"].includes(v.status)) return v;
        if (Date.now() >= deadline) throw new Error(`job ${jobId} still ${v.status} after ${timeoutMs} ms`);
      }
    },
    async close() {
      // A shorter grace than the tuned one: a worker that ignores SIGTERM should not hold the suite up.
      await supervision.close(5_000);
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
