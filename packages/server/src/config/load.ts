/**
 * `loadConfig`: file (JSON) < environment < explicit overrides, validated in one place with messages that name
 * the exact key. The result is complete except for secrets, which `prepareSecrets` fills in at start-up.
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { type EndpointConfig, EndpointConfigError, resolveEndpoint } from "../domain/endpoint.js";
import { DEFAULT_TAKE_HOLD_MS } from "../domain/long-poll.js";
import type { RateLimits } from "../domain/rate-limits.js";
import { formatIssues } from "./issues.js";
import { type ConfigFile, configFileSchema } from "./schema.js";

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";

export interface GantryConfig {
  host: string;
  port: number;
  /** Absolute; holds `gantry.db` and `secrets.json`. */
  dataDir: string;
  /** Default "sqlite"; "postgres" when a database URL is given and no store is chosen. */
  store: "sqlite" | "memory" | "postgres";
  /** The PostgreSQL URL (config `databaseUrl`, env `GANTRY_DATABASE_URL` or `DATABASE_URL`); set when store is postgres. */
  databaseUrl?: string;
  /** PostgreSQL store settings (used when store is postgres). */
  postgres: { schema: string; poolSize: number; migrate: boolean; prepare: boolean };
  /** How workers reach the server; when unset, derived from the bound address at start-up. */
  publicUrl?: string;
  logLevel: LogLevel;
  /** `adminKeys`: when set, only these keys reach `/admin/v1/` (else any API key does). */
  auth: { apiKeys: string[]; adminKeys?: string[]; workerSecret?: string; disabled: boolean };
  pingIntervalMs: number;
  takeHoldMs: number;
  webhook: { attempts: number; delayMs: number; secret?: string };
  rateLimits: RateLimits | false;
  /** `auth`: `/metrics` requires an API key. */
  metrics: { auth: boolean };
  /** Several nodes sharing a PostgreSQL store: leader lease duration, long-poll re-check period, node name. */
  cluster?: { nodeName?: string; leaderTtlMs?: number; recheckMs?: number };
  endpoints: EndpointConfig[];
}

export const CONFIG_DEFAULTS = {
  host: "127.0.0.1",
  port: 8080,
  dataDir: "./.gantry",
  store: "sqlite",
  logLevel: "info",
  pingIntervalMs: 10_000,
  // Every renewal of an idle worker's two long-polls is a request: 55 s makes them 45 % fewer than 30 s did,
  // stays under the 60 s idle timeout proxies and load balancers default to, and well below the workers' 90 s.
  takeHoldMs: DEFAULT_TAKE_HOLD_MS,
  webhook: { attempts: 3, delayMs: 10_000 },
  postgres: { schema: "gantry", poolSize: 10, migrate: true, prepare: true },
} as const;

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super(`invalid configuration (${source}):\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}

export interface LoadConfigOptions {
  /** A JSON config file. */
  configPath?: string;
  /** An already-parsed config object (same shape as the file); used instead of `configPath`. */
  config?: unknown;
  /** Environment to read `GANTRY_*` from; default `process.env`. Pass `{}` to ignore the environment. */
  env?: Record<string, string | undefined>;
  /** Highest precedence (command-line flags). */
  overrides?: Partial<
    Pick<ConfigFile, "host" | "port" | "dataDir" | "store" | "databaseUrl" | "publicUrl" | "logLevel">
  >;
  /** Base for a relative `dataDir`; default: the config file's directory, else the working directory. */
  cwd?: string;
}

/** Loopback names and addresses: the only binds on which `auth.disabled` is accepted. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

function readFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
}

/** `GANTRY_*` variables as a partial config file; invalid values surface through the schema like file values. */
function fromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const text = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const num = (v: string) => (/^-?\d+$/.test(v) ? Number(v) : v);
  const host = text("GANTRY_HOST");
  if (host) out.host = host;
  const port = text("GANTRY_PORT");
  if (port) out.port = num(port);
  const dataDir = text("GANTRY_DATA_DIR");
  if (dataDir) out.dataDir = dataDir;
  const store = text("GANTRY_STORE");
  if (store) out.store = store;
  // DATABASE_URL is a shared convention (it may point at another app's MySQL): only a PostgreSQL URL counts.
  const sharedUrl = text("DATABASE_URL");
  const databaseUrl =
    text("GANTRY_DATABASE_URL") ??
    (sharedUrl && /^postgres(ql)?:\/\//i.test(sharedUrl) ? sharedUrl : undefined);
  if (databaseUrl) out.databaseUrl = databaseUrl;
  const publicUrl = text("GANTRY_PUBLIC_URL");
  if (publicUrl) out.publicUrl = publicUrl;
  const logLevel = text("GANTRY_LOG_LEVEL");
  if (logLevel) out.logLevel = logLevel.toLowerCase();
  const auth: Record<string, unknown> = {};
  const keys = text("GANTRY_API_KEYS");
  if (keys)
    auth.apiKeys = keys
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean);
  const secret = text("GANTRY_WORKER_SECRET");
  if (secret) auth.workerSecret = secret;
  const disabled = text("GANTRY_AUTH_DISABLED");
  if (disabled) auth.disabled = disabled === "1" || disabled.toLowerCase() === "true";
  if (Object.keys(auth).length > 0) out.auth = auth;
  const metricsAuth = text("GANTRY_METRICS_AUTH");
  if (metricsAuth) out.metrics = { auth: metricsAuth === "1" || metricsAuth.toLowerCase() === "true" };
  const endpoints = text("GANTRY_ENDPOINTS");
  if (endpoints)
    out.endpoints = endpoints
      .split(",")
      .map((id) => ({ id: id.trim() }))
      .filter((e) => e.id);
  return out;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] =
      k === "auth" && typeof prev === "object" && prev !== null && !Array.isArray(prev)
        ? { ...(prev as Record<string, unknown>), ...(v as Record<string, unknown>) }
        : v;
  }
  return out;
}

export function loadConfig(options: LoadConfigOptions = {}): GantryConfig {
  const source = options.configPath ?? (options.config !== undefined ? "config object" : "defaults");
  const raw =
    options.config !== undefined ? options.config : options.configPath ? readFile(options.configPath) : {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(source, ["the configuration must be a JSON object"]);
  }
  const merged = merge(
    merge(raw as Record<string, unknown>, fromEnv(options.env ?? process.env)),
    (options.overrides ?? {}) as Record<string, unknown>,
  );
  const parsed = configFileSchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) throw new ConfigError(source, formatIssues(parsed.error.issues));
  const file = parsed.data;

  const problems: string[] = [];
  const endpoints: EndpointConfig[] = [];
  const seen = new Set<string>();
  (file.endpoints ?? []).forEach((input, i) => {
    if (seen.has(input.id)) {
      problems.push(`endpoints[${i}].id: duplicate endpoint id "${input.id}"`);
      return;
    }
    seen.add(input.id);
    try {
      endpoints.push(resolveEndpoint(input));
    } catch (err) {
      if (!(err instanceof EndpointConfigError)) throw err;
      problems.push(`endpoints[${i}]: ${err.message}`);
    }
  });

  const host = file.host ?? CONFIG_DEFAULTS.host;
  // A database URL alone selects PostgreSQL; an explicit store always wins.
  const store = file.store ?? (file.databaseUrl ? "postgres" : CONFIG_DEFAULTS.store);
  if (store === "postgres" && !file.databaseUrl) {
    problems.push('databaseUrl: required when store is "postgres" (or set DATABASE_URL)');
  }
  const disabled = file.auth?.disabled ?? false;
  if (disabled && !isLoopbackHost(host)) {
    problems.push(
      `auth.disabled: only allowed when bound to a loopback host (127.0.0.1, ::1, localhost); host is "${host}"`,
    );
  }
  if (problems.length > 0) throw new ConfigError(source, problems);

  const base = options.cwd ?? (options.configPath ? resolve(options.configPath, "..") : process.cwd());
  const dataDir = file.dataDir ?? CONFIG_DEFAULTS.dataDir;
  const config: GantryConfig = {
    host,
    port: file.port ?? CONFIG_DEFAULTS.port,
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(base, dataDir),
    store,
    postgres: {
      schema: file.postgres?.schema ?? CONFIG_DEFAULTS.postgres.schema,
      poolSize: file.postgres?.poolSize ?? CONFIG_DEFAULTS.postgres.poolSize,
      migrate: file.postgres?.migrate ?? CONFIG_DEFAULTS.postgres.migrate,
      prepare: file.postgres?.prepare ?? CONFIG_DEFAULTS.postgres.prepare,
    },
    logLevel: file.logLevel ?? CONFIG_DEFAULTS.logLevel,
    auth: { apiKeys: file.auth?.apiKeys ?? [], disabled },
    pingIntervalMs: file.pingIntervalMs ?? CONFIG_DEFAULTS.pingIntervalMs,
    takeHoldMs: file.takeHoldMs ?? CONFIG_DEFAULTS.takeHoldMs,
    webhook: {
      attempts: file.webhook?.attempts ?? CONFIG_DEFAULTS.webhook.attempts,
      delayMs: file.webhook?.delayMs ?? CONFIG_DEFAULTS.webhook.delayMs,
    },
    rateLimits: (file.rateLimits ?? {}) as RateLimits | false,
    metrics: { auth: file.metrics?.auth ?? false },
    endpoints,
  };
  if (file.publicUrl) config.publicUrl = file.publicUrl.replace(/\/+$/, "");
  if (store === "postgres" && file.databaseUrl) config.databaseUrl = file.databaseUrl;
  if (file.auth?.workerSecret) config.auth.workerSecret = file.auth.workerSecret;
  if (file.auth?.adminKeys && file.auth.adminKeys.length > 0) config.auth.adminKeys = file.auth.adminKeys;
  if (file.webhook?.secret) config.webhook.secret = file.webhook.secret;
  if (file.cluster) config.cluster = { ...file.cluster };
  return config;
}
