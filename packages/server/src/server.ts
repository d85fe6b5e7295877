/**
 * `startServer`: config → store → engine → supervision (when endpoints have a `worker.command`) → app →
 * listening HTTP server, and a `close()` that undoes it in order (stop the workers while the server still
 * answers their last posts, stop accepting, end long-polls, stop the engine, close connections, close the store).
 * It is the only assembly: `gantry serve`, `gantry dev`, `--rp_serve_api` and `gantry demo` all run through it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { DestinationStream, Logger } from "pino";
import { createApi } from "./api/create-api.js";
import type { RequestListener } from "./api/http/dispatcher.js";
import { type GantryConfig, type LoadConfigOptions, loadConfig } from "./config/load.js";
import { createScrubbedLogger, SecretScrubber } from "./config/log-redaction.js";
import { prepareSecrets } from "./config/secrets.js";
import type { EndpointConfig } from "./domain/endpoint.js";
import { Engine, type EngineOptions } from "./engine/engine.js";
import { startPgCluster } from "./engine/pg-cluster.js";
import type { Platform } from "./engine/platform.js";
import { GantryMetrics } from "./metrics/metrics.js";
import { describeStore, openStore } from "./store/open-store.js";
import { PostgresStore } from "./store/postgres.js";
import type { Store } from "./store/store.js";
import { createSupervision, type Supervision, type SupervisionOptions } from "./supervisor/attach.js";

export interface StartServerOptions {
  /** A config object (the config file's shape); takes precedence over `configPath`. */
  config?: unknown;
  configPath?: string;
  /** Overrides of the config (command-line flags). */
  port?: number;
  host?: string;
  logger?: Logger;
  /** Environment for `GANTRY_*`; default `process.env`. */
  env?: LoadConfigOptions["env"];
  /** Engine tuning beyond the config (tests: sweep interval, lease). */
  engineOptions?: EngineOptions;
  /** Where the server's own (secret-scrubbing) logger writes; default stdout. Ignored when `logger` is given. */
  logDestination?: DestinationStream;
  /** Supervisor tuning (tests: tick, grace periods, scaler hysteresis). */
  supervisorTuning?: SupervisionOptions["tuning"];
  /** Environment the started workers inherit (minus GANTRY_* and RUNPOD_*); default `process.env`. */
  workerParentEnv?: NodeJS.ProcessEnv;
  /**
   * An endpoint whose public routes also answer without the `/v2/{id}` prefix (`POST /runsync`), as the
   * Python SDK's local API does; the prefixed routes keep working. Used by the local development server.
   */
  defaultEndpoint?: string;
}

export interface GantryServer {
  /** Where this process listens, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** The URL workers should use (config `publicUrl`, else derived from the bound address). */
  publicUrl: string;
  config: GantryConfig;
  engine: Engine;
  /** What the HTTP app serves: the engine, wrapped by the supervisor when supervising. */
  platform: Platform;
  store: Store;
  /** The node request listener serving the HTTP API (api/create-api.ts). */
  listener: RequestListener;
  metrics: GantryMetrics;
  logger: Logger;
  /** Present when at least one endpoint has a `worker.command`: Gantry starts and scales those workers. */
  supervision?: Supervision;
  /** The effective API keys and worker secret (generated into `<dataDir>/secrets.json` when not configured). */
  apiKeys: string[];
  workerSecret: string;
  close(): Promise<void>;
}

/** The password part of a database URL, so logs scrub it wherever it shows up. */
function databasePassword(url: string | undefined): string | undefined {
  if (!url || !URL.canParse(url)) return undefined;
  return decodeURIComponent(new URL(url).password) || undefined;
}

/** Connections still open this long after close() are cut (an SSE client that never leaves). */
const CLOSE_GRACE_MS = 5000;

export async function startServer(options: StartServerOptions = {}): Promise<GantryServer> {
  const overrides: NonNullable<LoadConfigOptions["overrides"]> = {};
  if (options.port !== undefined) overrides.port = options.port;
  if (options.host !== undefined) overrides.host = options.host;
  const config = loadConfig({
    ...(options.config !== undefined ? { config: options.config } : {}),
    ...(options.configPath !== undefined ? { configPath: options.configPath } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    overrides,
  });
  const defaultEndpoint = options.defaultEndpoint;
  if (defaultEndpoint !== undefined && !config.endpoints.some((e) => e.id === defaultEndpoint))
    throw new RangeError(`default endpoint ${defaultEndpoint} is not one of the endpoints`);
  // Secrets are scrubbed from every line of the server's own logger (a caller's logger is the caller's business).
  const scrubber = new SecretScrubber();
  const logger =
    options.logger ??
    createScrubbedLogger(
      scrubber,
      { level: config.logLevel, base: { service: "gantry" } },
      options.logDestination,
    );

  const secrets = prepareSecrets(config);
  if (secrets.generatedApiKey) {
    logger.info(
      { apiKey: secrets.generatedApiKey, secretsPath: secrets.secretsPath },
      "generated an API key (shown once; it is stored in the secrets file)",
    );
  }
  // Only now: the notice above is the one line allowed to show a key.
  scrubber.add([
    ...secrets.apiKeys,
    secrets.workerSecret,
    config.webhook.secret,
    ...(config.auth.adminKeys ?? []),
    config.databaseUrl,
    databasePassword(config.databaseUrl),
  ]);
  if (config.endpoints.length === 0)
    logger.warn("no endpoints configured; every /v2/{endpointId} route will 404");

  const store = await openStore(config, {
    onPostgresError: (err) => logger.warn({ err }, "PostgreSQL connection error (the pool reconnects)"),
  });
  // Several nodes may share a PostgreSQL store: wake-ups over LISTEN/NOTIFY, once-only work on the leader.
  let pgCluster: Awaited<ReturnType<typeof startPgCluster>> | undefined;
  if (store instanceof PostgresStore) {
    try {
      pgCluster = await startPgCluster({
        store,
        log: logger.child({ component: "cluster" }),
        ...(config.cluster?.nodeName ? { nodeName: config.cluster.nodeName } : {}),
        ...(config.cluster?.leaderTtlMs ? { leaderTtlMs: config.cluster.leaderTtlMs } : {}),
        ...(config.cluster?.recheckMs ? { recheckMs: config.cluster.recheckMs } : {}),
      });
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  const endpoints = new Map<string, EndpointConfig>(config.endpoints.map((e) => [e.id, e]));
  const metrics = new GantryMetrics();
  const engine = new Engine({
    store,
    ...(pgCluster ? { cluster: pgCluster.cluster } : {}),
    endpoints,
    log: logger.child({ component: "engine" }),
    options: {
      takeHoldMs: config.takeHoldMs,
      stopHoldMs: config.takeHoldMs,
      pingIntervalMs: config.pingIntervalMs,
      webhook: {
        attempts: config.webhook.attempts,
        delayMs: config.webhook.delayMs,
        ...(config.webhook.secret ? { secret: config.webhook.secret } : {}),
      },
      ...options.engineOptions,
    },
    hooks: {
      onJobTaken: (job) => {
        if (job.startedAt !== undefined) metrics.observeTaken(job.endpointId, job.startedAt - job.createdAt);
      },
      onJobTerminal: (job) => {
        const executionMs =
          job.startedAt !== undefined && job.completedAt !== undefined
            ? job.completedAt - job.startedAt
            : undefined;
        metrics.observeTerminal(job.endpointId, job.status, executionMs);
      },
    },
  });
  metrics.watch(engine, () => [...endpoints.keys()]);

  // The public URL is known only once the server listens; workers start after that.
  let publicUrl = "";
  const supervisorLog = logger.child({ component: "supervisor" });
  const supervision = config.endpoints.some((e) => e.worker !== undefined)
    ? createSupervision({
        engine,
        endpoints: config.endpoints,
        dataDir: config.dataDir,
        publicUrl: () => publicUrl,
        workerSecret: secrets.workerSecret,
        pingIntervalMs: config.pingIntervalMs,
        ...(options.workerParentEnv ? { parentEnv: options.workerParentEnv } : {}),
        ...(options.supervisorTuning ? { tuning: options.supervisorTuning } : {}),
        log: (level, message, fields) => supervisorLog[level](fields ?? {}, message),
      })
    : undefined;

  const platform: Platform = supervision?.platform ?? engine;
  const shutdown = new AbortController();
  const { listener } = createApi({
    platform,
    auth: { apiKeys: secrets.apiKeys, workerSecret: secrets.workerSecret, disabled: config.auth.disabled },
    limits: { takeHoldMs: config.takeHoldMs, rateLimits: config.rateLimits },
    endpointLimits: (id) => {
      const l = endpoints.get(id)?.limits;
      return (
        l && {
          runBytes: l.runBytes,
          runsyncBytes: l.runsyncBytes,
          resultBytes: l.resultBytes,
          streamChunkBytes: l.chunkBytes,
        }
      );
    },
    logger: logger.child({ component: "api" }),
    metrics,
    metricsAuth: config.metrics.auth,
    shutdownSignal: shutdown.signal,
    admin: {
      endpoints: () => config.endpoints,
      ...(supervision ? { supervisor: supervision.supervisor } : {}),
      listWorkers: (id) => engine.listWorkers(id),
      ...(config.auth.adminKeys ? { adminKeys: config.auth.adminKeys } : {}),
    },
    ...(defaultEndpoint !== undefined ? { defaultEndpoint } : {}),
  });

  let server: Server;
  let address: AddressInfo;
  try {
    ({ server, address } = await listen(listener, config.host, config.port));
  } catch (err) {
    await pgCluster?.close();
    await store.close();
    throw err;
  }
  // With several nodes the autoscaler runs on the leader only; a node that stops leading stops its workers.
  if (pgCluster && supervision) {
    const s = supervision;
    pgCluster.leadership.onChange((leader) => {
      if (leader) s.start();
      else void s.supervisor.standDown();
    });
  }
  engine.start();

  const url = `http://${urlHost(address.address)}:${address.port}`;
  publicUrl =
    config.publicUrl ?? `http://${urlHost(publicHost(config.host, address.address))}:${address.port}`;
  if (!pgCluster) supervision?.start();
  logger.info(
    {
      url,
      publicUrl,
      endpoints: [...endpoints.keys()],
      store: describeStore(config),
      supervised: !!supervision,
      ...(pgCluster ? { node: pgCluster.nodeName } : {}),
    },
    "gantry server listening",
  );

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      // Workers first, while the server still answers their final posts (a SIGTERMed worker finishes its job).
      await supervision?.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      shutdown.abort();
      await engine.stop();
      // Long-polls answered just now leave keep-alive sockets idle after the fact: keep closing idle ones.
      server.closeIdleConnections();
      const idle = setInterval(() => server.closeIdleConnections(), 25);
      const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      await closed;
      clearInterval(idle);
      clearTimeout(grace);
      await pgCluster?.close();
      await store.close();
      logger.info("gantry server stopped");
    })();
    return closing;
  };

  return {
    url,
    port: address.port,
    publicUrl,
    config,
    engine,
    platform,
    store,
    listener,
    metrics,
    logger,
    ...(supervision ? { supervision } : {}),
    apiKeys: secrets.apiKeys,
    workerSecret: secrets.workerSecret,
    close,
  };
}

function listen(
  listener: RequestListener,
  host: string,
  port: number,
): Promise<{ server: Server; address: AddressInfo }> {
  return new Promise((resolve, reject) => {
    // Longer than clients' idle keep-alive so the server is not the side that races a reused socket closed.
    const server = createServer({ keepAlive: true, keepAliveTimeout: 65_000 }, listener);
    server.listen(port, host);
    const failed = (err: Error): void => reject(listenError(err, host, port));
    server.once("error", failed);
    server.once("listening", () => {
      server.off("error", failed);
      resolve({ server, address: server.address() as AddressInfo });
    });
  });
}

/** A listen failure in words a person acts on; the system `code` stays for callers that branch on it. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const message =
    err.code === "EADDRINUSE"
      ? `port ${port} on ${host} is already in use`
      : err.code === "EACCES"
        ? `no permission to listen on port ${port} on ${host}`
        : err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND"
          ? `cannot listen on host ${host}`
          : undefined;
  if (message === undefined) return err;
  return Object.assign(new Error(message, { cause: err }), { code: err.code });
}

function urlHost(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}

/**
 * A wildcard bind is not an address a worker can dial: fall back to loopback for the default public URL.
 * "localhost" becomes the address actually bound, since it may resolve to ::1 for one client and 127.0.0.1
 * for another.
 */
function publicHost(configured: string, bound: string): string {
  if (configured === "0.0.0.0" || configured === "::" || bound === "0.0.0.0" || bound === "::")
    return "127.0.0.1";
  if (configured.trim().toLowerCase() === "localhost") return bound;
  return configured;
}
