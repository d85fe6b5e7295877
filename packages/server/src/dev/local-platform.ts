/**
 * A whole Gantry platform in one process for local use (`gantry dev`, `--rp_serve_api`, `gantry demo`): a
 * `startServer` with a config object instead of a file, so local behaviour is production behaviour. The local
 * defaults are deliberate and few: secrets are generated per run instead of stored, auth is off on loopback,
 * jobs stay in memory unless a data directory is given, shorter pings and holds, quick webhook retries, no rate
 * limits, and one endpoint may also be served without its `/v2/{id}` prefix.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Logger, pino } from "pino";
import { isLoopbackHost, type LogLevel } from "../config/load.js";
import type { EndpointConfig, EndpointConfigInput } from "../domain/endpoint.js";
import { type GantryServer, type StartServerOptions, startServer } from "../server.js";
import type { SupervisionOptions } from "../supervisor/attach.js";

export interface LocalPlatformOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  endpoints: EndpointConfigInput[];
  /** Directory for `gantry.db` and worker directories; omitted: in-memory store and a temp directory. */
  dataDir?: string;
  /** Endpoint whose public routes also answer without the `/v2/{id}` prefix (`POST /runsync`). */
  defaultEndpoint?: string;
  /** Required on a non-loopback host (one is generated when none is given); on loopback, auth is off without. */
  apiKeys?: string[];
  workerSecret?: string;
  /** Default 2 s. */
  pingIntervalMs?: number;
  /** How long a job stays with a silent worker before it is requeued. */
  leaseMs?: number;
  /** Default 20 s. */
  takeHoldMs?: number;
  /**
   * Start and scale the workers of endpoints with a `worker.command` (autoscaling, recycling, crash backoff).
   * Without it those commands are ignored: workers are the caller's business (the dev server starts its own).
   */
  supervise?: boolean;
  supervisorTuning?: SupervisionOptions["tuning"];
  /** Environment workers inherit (minus GANTRY_* and RUNPOD_*). */
  parentEnv?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Level of the default logger (JSON lines on stderr, secrets scrubbed); default "warn". */
  logLevel?: LogLevel;
}

export interface LocalPlatform extends GantryServer {
  /** Per-worker directories and logs live under it. */
  workDir: string;
  endpoints: EndpointConfig[];
  /** Undefined when auth is off. */
  apiKey: string | undefined;
  pingIntervalMs: number;
  /** Stops workers (if supervised), long-polls, the engine, the HTTP server and the store; removes a temp dir. */
  close(): Promise<void>;
}

const WORKER_STOP_GRACE_MS = 5_000;

const newSecret = (prefix: string): string => `${prefix}_${randomBytes(18).toString("base64url")}`;

export async function startLocalPlatform(options: LocalPlatformOptions): Promise<LocalPlatform> {
  const host = options.host ?? "127.0.0.1";
  const given = options.apiKeys?.filter((k) => k !== "") ?? [];
  const authDisabled = given.length === 0 && isLoopbackHost(host);
  // Generated here rather than by the server, which would persist them in a secrets file. Python workers only
  // start their heartbeat with a non-empty key, so a worker secret exists even without auth.
  const apiKeys = given.length > 0 ? given : [newSecret("gantry")];
  const workerSecret = options.workerSecret ?? newSecret("gantryw");
  const pingIntervalMs = options.pingIntervalMs ?? 2_000;
  const endpoints = options.supervise
    ? options.endpoints
    : options.endpoints.map(({ worker: _ignored, ...endpoint }) => endpoint);

  const ownDir = options.dataDir === undefined;
  const workDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "gantry-local-"));
  const serverOptions: StartServerOptions = {
    config: {
      host,
      port: options.port ?? 0,
      dataDir: workDir,
      store: ownDir ? "memory" : "sqlite",
      logLevel: options.logLevel ?? "warn",
      auth: { apiKeys, workerSecret, disabled: authDisabled },
      pingIntervalMs,
      takeHoldMs: options.takeHoldMs ?? 20_000,
      // Local runs show webhook behaviour quickly instead of waiting 10 s between attempts.
      webhook: { attempts: 3, delayMs: 2_000 },
      rateLimits: false,
      endpoints,
    },
    // The developer's GANTRY_* variables configure their production servers, not this one.
    env: {},
    ...(options.logger ? { logger: options.logger } : { logDestination: pino.destination(2) }),
    ...(options.leaseMs !== undefined ? { engineOptions: { leaseMs: options.leaseMs } } : {}),
    supervisorTuning: { stopGraceMs: WORKER_STOP_GRACE_MS, ...options.supervisorTuning },
    ...(options.parentEnv ? { workerParentEnv: options.parentEnv } : {}),
    ...(options.defaultEndpoint !== undefined ? { defaultEndpoint: options.defaultEndpoint } : {}),
  };
  const removeDir = (): void => {
    if (ownDir) rmSync(workDir, { recursive: true, force: true });
  };
  let server: GantryServer;
  try {
    server = await startServer(serverOptions);
  } catch (err) {
    removeDir();
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    ...server,
    workDir,
    endpoints: server.config.endpoints,
    apiKey: authDisabled ? undefined : apiKeys[0],
    pingIntervalMs,
    close: () => {
      closing ??= server.close().finally(removeDir);
      return closing;
    },
  };
}
