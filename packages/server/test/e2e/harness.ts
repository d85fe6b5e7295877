/**
 * End-to-end stack: a real `startServer` (SQLite file in a temp dir, loopback, port 0) and real @gantry/worker
 * processes started with `workerEnv`, talking the worker protocol over HTTP. Timings are shortened (1 s pings,
 * 4 s leases, fast sweeps and webhook retries) so failure paths finish in seconds; assertions stay generous.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Agent, type Dispatcher, request } from "undici";
import { workerEnv } from "../../src/config/worker-env.js";
import type { EndpointConfigInput } from "../../src/domain/endpoint.js";
import type { JobView } from "../../src/domain/job.js";
import { LocalProcessProvider } from "../../src/providers/local-process.js";
import type { WorkerHandle } from "../../src/providers/provider.js";
import { type GantryServer, startServer } from "../../src/server.js";
import { composeWorkerEnv } from "../../src/supervisor/process-env.js";

export { until } from "../until.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const E2E_WORKER = fileURLToPath(new URL("../fixtures/e2e-worker.ts", import.meta.url));
export const TSX_LOADER = pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
export const API_KEY = "e2e-api-key-0001";
export const WORKER_SECRET = "e2e-worker-secret-0001";
export const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"];

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export interface StackOptions {
  endpoints: EndpointConfigInput[];
  /** Extra top-level config (webhook, takeHoldMs…). */
  config?: Record<string, unknown>;
  leaseMs?: number;
}

export interface Stack {
  server: GantryServer;
  url: string;
  dataDir: string;
  /** Starts a worker process for the endpoint; stopped by `close()`. */
  startWorker(endpointId: string, args?: string[], workerId?: string): WorkerHandle;
  call: Call;
  submit(endpointId: string, input: unknown, extra?: Record<string, unknown>): Promise<string>;
  status(endpointId: string, jobId: string): Promise<Reply<JobView>>;
  /** Long-polls `/status-sync` until the job is terminal. */
  waitDone(endpointId: string, jobId: string, timeoutMs?: number): Promise<JobView>;
  /** Closes the server (workers keep running) and starts a new one on the same port and data dir. */
  restartServer(): Promise<void>;
  /** Sum of `gantry_http_requests_total` for routes containing `fragment`. */
  requestCount(fragment: string): Promise<number>;
  close(): Promise<void>;
}

export type Call = <T = unknown>(
  method: "GET" | "POST",
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Reply<T>>;

/**
 * Calls on the server at `base()` with an API key: a JSON body out, the reply parsed as JSON (left as text
 * when it is not, e.g. /metrics or SSE). `timeoutMs` lifts undici's header/body timeouts for long waits.
 */
export function apiCaller(
  base: () => string,
  apiKey: string,
  timeoutMs?: number,
  /** The connection pool to use; default undici's global one. */
  dispatcher?: () => Dispatcher,
): Call {
  return async <T>(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await request(`${base()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(timeoutMs !== undefined ? { headersTimeout: timeoutMs, bodyTimeout: timeoutMs } : {}),
      ...(dispatcher ? { dispatcher: dispatcher() } : {}),
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      // Left as text.
    }
    return { status: res.statusCode, body: parsed as T, headers: res.headers };
  };
}

/** Starts the e2e fixture worker (`fixtures/e2e-worker.ts`, extra `args`) for an endpoint of the server at `publicUrl`. */
export function startFixtureWorker(
  provider: LocalProcessProvider,
  o: { publicUrl: string; endpointId: string; workerId: string; workerSecret: string; args?: string[] },
): WorkerHandle {
  const env = composeWorkerEnv(
    process.env,
    workerEnv({
      publicUrl: o.publicUrl,
      endpointId: o.endpointId,
      workerId: o.workerId,
      workerSecret: o.workerSecret,
      pingIntervalMs: 1_000,
    }),
  );
  return provider.start({
    workerId: o.workerId,
    endpointId: o.endpointId,
    command: [process.execPath, "--import", TSX_LOADER, E2E_WORKER, ...(o.args ?? [])],
    env,
  });
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-e2e-"));
  const config = (port: number) => ({
    host: "127.0.0.1",
    port,
    dataDir,
    logLevel: "silent",
    auth: { apiKeys: [API_KEY], workerSecret: WORKER_SECRET },
    pingIntervalMs: 1_000,
    takeHoldMs: 2_000,
    webhook: { attempts: 3, delayMs: 300 },
    rateLimits: false,
    endpoints: options.endpoints,
    ...options.config,
  });
  const boot = (port: number) =>
    startServer({
      config: config(port),
      env: {},
      engineOptions: { sweepIntervalMs: 100, leaseMs: options.leaseMs ?? 4_000 },
    });
  let server = await boot(0);
  const port = server.port;
  const provider = new LocalProcessProvider({ dataDir: join(dataDir, "workers") });
  let serial = 0;

  // The stack's own pool, renewed when the server restarts: the old process's keep-alive sockets may not have
  // seen its close yet (client and server share this event loop), and the next request would go out on one.
  let agent = new Agent();
  const call = apiCaller(
    () => server.url,
    API_KEY,
    undefined,
    () => agent,
  );

  const stack: Stack = {
    get server() {
      return server;
    },
    get url() {
      return server.url;
    },
    dataDir,
    startWorker: (endpointId, args = [], workerId = `${endpointId}-w${++serial}`) =>
      startFixtureWorker(provider, {
        publicUrl: server.publicUrl,
        endpointId,
        workerId,
        workerSecret: WORKER_SECRET,
        args,
      }),
    call,
    async submit(endpointId, input, extra = {}) {
      const r = await call<{ id: string; status: string }>("POST", `/v2/${endpointId}/run`, {
        input,
        ...extra,
      });
      if (r.status !== 200) throw new Error(`run → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id;
    },
    status: (endpointId, jobId) => call<JobView>("GET", `/v2/${endpointId}/status/${jobId}`),
    async waitDone(endpointId, jobId, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const wait = Math.max(1_000, Math.min(5_000, deadline - Date.now()));
        const r = await call<JobView>("GET", `/v2/${endpointId}/status-sync/${jobId}?wait=${wait}`);
        if (r.status !== 200) throw new Error(`status-sync ${jobId} → ${r.status} ${JSON.stringify(r.body)}`);
        if (TERMINAL.includes(r.body.status)) return r.body;
        if (Date.now() >= deadline)
          throw new Error(`job ${jobId} still ${r.body.status} after ${timeoutMs} ms`);
      }
    },
    async restartServer() {
      await server.close();
      await agent.destroy();
      agent = new Agent();
      server = await boot(port);
    },
    async requestCount(fragment) {
      const r = await call<string>("GET", "/metrics");
      let sum = 0;
      for (const line of String(r.body).split("\n")) {
        if (!line.startsWith("gantry_http_requests_total{") || !line.includes(fragment)) continue;
        sum += Number(line.slice(line.lastIndexOf(" ") + 1));
      }
      return sum;
    },
    async close() {
      await provider.stopAll(5_000);
      await server.close();
      await agent.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Reads a server-sent event stream to its end. */
export async function readSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; events: { event: string; data: unknown; id?: string }[] }> {
  const res = await request(url, {
    headers: { accept: "text/event-stream", authorization: `Bearer ${API_KEY}`, ...headers },
  });
  const text = await res.body.text();
  const events: { event: string; data: unknown; id?: string }[] = [];
  for (const block of text.split("\n\n")) {
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trim());
      else if (line.startsWith("id:")) id = line.slice(3).trim();
    }
    if (data.length > 0)
      events.push({ event, data: JSON.parse(data.join("\n")), ...(id !== undefined ? { id } : {}) });
  }
  return { status: res.statusCode, events };
}
