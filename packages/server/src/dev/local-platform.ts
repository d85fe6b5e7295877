/**
 * A whole Gantry platform in one process for local use (`gantry dev`, `--rp_serve_api`, `gantry demo`): the
 * same store, engine, HTTP app and (optionally) supervisor as a production server, wired without a config file.
 * Differences from `startServer` are deliberate and few: secrets are generated per run instead of stored, auth is
 * off on loopback, and one endpoint may also be served without its `/v2/{id}` prefix.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import { type Logger, pino } from "pino";
import { createApp } from "../api/app.js";
import { isLoopbackHost } from "../config/load.js";
import { type EndpointConfig, type EndpointConfigInput, resolveEndpoint } from "../domain/endpoint.js";
import { Engine } from "../engine/engine.js";
import type { Platform } from "../engine/platform.js";
import { LocalProcessProvider } from "../providers/local-process.js";
import { openSqliteStore } from "../store/sqlite.js";
import type { JobStore } from "../store/store.js";
import { createSupervision, type Supervision, type SupervisionOptions } from "../supervisor/attach.js";
import { addEndpointPrefix } from "./prefix.js";

export interface LocalPlatformOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  endpoints: EndpointConfigInput[];
  /** Directory for `gantry.db` and worker directories; omitted: in-memory store and a temp directory. */
  dataDir?: string;
  /** Endpoint whose public routes also answer without the `/v2/{id}` prefix (`POST /runsync`). */
  defaultEndpoint?: string;
  /** Required on a non-loopback host; on loopback, auth is off when none is given. */
  apiKeys?: string[];
  workerSecret?: string;
  pingIntervalMs?: number;
  /** How long a job stays with a silent worker before it is requeued. */
  leaseMs?: number;
  takeHoldMs?: number;
  /** Start the supervisor for endpoints with a `worker.command` (autoscaling, recycling, crash backoff). */
  supervise?: boolean;
  supervisorTuning?: SupervisionOptions["tuning"];
  /** Environment workers inherit (minus GANTRY_* and RUNPOD_*). */
  parentEnv?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Level of the default logger (JSON lines on stderr); default "warn". */
  logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

export interface LocalPlatform {
  /** Where it listens, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** The URL its workers use (the bound address; a wildcard bind becomes 127.0.0.1). */
  publicUrl: string;
  port: number;
  engine: Engine;
  store: JobStore;
  /** What the HTTP app serves: the engine, wrapped by the supervisor when supervising. */
  platform: Platform;
  supervision: Supervision | undefined;
  /** Per-worker directories and logs live under it. */
  workDir: string;
  endpoints: EndpointConfig[];
  /** Undefined when auth is off. */
  apiKey: string | undefined;
  workerSecret: string;
  pingIntervalMs: number;
  /** Stops workers (if supervised), long-polls, the engine, the HTTP server and the store. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 3_000;
const WORKER_STOP_GRACE_MS = 5_000;

export async function startLocalPlatform(options: LocalPlatformOptions): Promise<LocalPlatform> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  const endpoints = options.endpoints.map((e) => resolveEndpoint(e));
  if (options.defaultEndpoint !== undefined && !endpoints.some((e) => e.id === options.defaultEndpoint)) {
    throw new RangeError(`default endpoint ${options.defaultEndpoint} is not one of the endpoints`);
  }
  const loopback = isLoopbackHost(host);
  const apiKeys = options.apiKeys?.filter((k) => k !== "") ?? [];
  const authDisabled = apiKeys.length === 0 && loopback;
  if (apiKeys.length === 0 && !loopback) apiKeys.push(`gantry_${randomBytes(18).toString("base64url")}`);
  // Python workers only start their heartbeat with a non-empty key, so a secret exists even without auth.
  const workerSecret = options.workerSecret ?? `gantryw_${randomBytes(18).toString("base64url")}`;
  const pingIntervalMs = options.pingIntervalMs ?? 2_000;
  const takeHoldMs = options.takeHoldMs ?? 20_000;
  const logger = options.logger ?? pino({ level: options.logLevel ?? "warn" }, pino.destination(2));

  const ownDir = options.dataDir === undefined;
  const workDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "gantry-local-"));
  const store = await openSqliteStore({ path: ownDir ? ":memory:" : join(workDir, "gantry.db") });
  const engine = new Engine({
    store,
    endpoints: new Map(endpoints.map((e) => [e.id, e])),
    log: logger.child({ component: "engine" }),
    options: {
      takeHoldMs,
      stopHoldMs: takeHoldMs,
      pingIntervalMs,
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
      // Local runs show webhook behaviour quickly instead of waiting 10 s between attempts.
      webhook: { attempts: 3, delayMs: 2_000 },
    },
  });

  let publicUrl = "";
  const supervision = options.supervise
    ? createSupervision({
        engine,
        endpoints,
        dataDir: workDir,
        publicUrl: () => publicUrl,
        workerSecret,
        pingIntervalMs,
        provider: new LocalProcessProvider({ dataDir: workDir }),
        ...(options.parentEnv ? { parentEnv: options.parentEnv } : {}),
        tuning: { stopGraceMs: WORKER_STOP_GRACE_MS, ...options.supervisorTuning },
        log: (level, message, fields) => logger[level]({ component: "supervisor", ...fields }, message),
      })
    : undefined;
  const platform: Platform = supervision?.platform ?? engine;

  const shutdown = new AbortController();
  const app = createApp({
    platform,
    auth: { apiKeys, workerSecret, disabled: authDisabled },
    limits: { takeHoldMs, rateLimits: false },
    logger: logger.child({ component: "api" }),
    shutdownSignal: shutdown.signal,
  });
  const listener = getRequestListener(app.fetch);
  const defaultEndpoint = options.defaultEndpoint;
  const server = createServer({ keepAlive: true, keepAliveTimeout: 65_000 }, (req, res) => {
    if (defaultEndpoint !== undefined && req.url !== undefined)
      req.url = addEndpointPrefix(req.url, defaultEndpoint);
    void listener(req, res);
  });
  let address: AddressInfo;
  try {
    address = await listen(server, host, port);
  } catch (err) {
    await store.close();
    if (ownDir) rmSync(workDir, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new Error(`port ${port} on ${host} is already in use`);
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") throw new Error(`cannot listen on host ${host}`);
    throw err;
  }
  const bound = address.address === "0.0.0.0" || address.address === "::" ? "127.0.0.1" : address.address;
  publicUrl = `http://${urlHost(bound)}:${address.port}`;
  const url = `http://${urlHost(address.address)}:${address.port}`;
  engine.start();
  supervision?.start();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Workers first, while the server still answers their final posts.
      await supervision?.close(WORKER_STOP_GRACE_MS);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      shutdown.abort();
      await engine.stop();
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 25);
      const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await closed;
      clearInterval(idle);
      clearTimeout(grace);
      await store.close();
      if (ownDir) rmSync(workDir, { recursive: true, force: true });
    })();
    return closing;
  };

  return {
    url,
    publicUrl,
    port: address.port,
    engine,
    store,
    platform,
    supervision,
    workDir,
    endpoints,
    apiKey: authDisabled ? undefined : apiKeys[0],
    workerSecret,
    pingIntervalMs,
    close,
  };
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}
