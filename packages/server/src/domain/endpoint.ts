/**
 * Endpoint configuration: what the config loader produces and the engine consumes.
 * `resolveEndpoint` applies defaults and checks ranges; it is pure and throws `EndpointConfigError`.
 */

import {
  EXECUTION_TIMEOUT_RANGE,
  ID_MAX_LENGTH,
  isValidId,
  SCALER_TYPES,
  SCALING_RANGES,
  type ScalerType,
  TTL_RANGE,
} from "@gantry/protocol";

/**
 * The id rule of @gantry/protocol (`isValidId`), as a pattern for schemas: an endpoint the API could not route
 * (an id over 200 characters) is refused when configured rather than answering 404 forever.
 */
export const ENDPOINT_ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${ID_MAX_LENGTH}}$`);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;
const MB = 1024 * 1024;

export type { ScalerType };
/** Policy ranges (RunPod's), shared by per-job policies and endpoint defaults. */
export { EXECUTION_TIMEOUT_RANGE, TTL_RANGE };

export interface EndpointLimits {
  runBytes: number;
  runsyncBytes: number;
  resultBytes: number;
  chunkBytes: number;
  /** Hard cap on queued jobs; when unset the cap is max(50, workersMax × 500). */
  maxQueue?: number;
}

export interface EndpointScaling {
  workersMin: number;
  workersMax: number;
  idleTimeoutS: number;
  scalerType: ScalerType;
  scalerValue: number;
}

export interface EndpointWorkerCommand {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
}

export interface EndpointConfig {
  id: string;
  /** Default `policy.executionTimeout` of its jobs (ms). */
  executionTimeoutMs: number;
  /** Default `policy.ttl` of its jobs (ms). */
  ttlMs: number;
  /** How long a finished job stays readable. */
  retention: { asyncMs: number; syncMs: number };
  /** Requeues after a lost worker before the job fails. */
  maxRetries: number;
  limits: EndpointLimits;
  scaling: EndpointScaling;
  worker?: EndpointWorkerCommand;
}

export interface EndpointConfigInput {
  id: string;
  executionTimeoutMs?: number;
  ttlMs?: number;
  retention?: Partial<EndpointConfig["retention"]>;
  maxRetries?: number;
  limits?: Partial<EndpointLimits>;
  scaling?: Partial<EndpointScaling>;
  worker?: EndpointWorkerCommand;
}

/** Anything that can look an endpoint up by id; a `Map<string, EndpointConfig>` qualifies. */
export interface EndpointLookup {
  get(id: string): EndpointConfig | undefined;
}

export const ENDPOINT_DEFAULTS = {
  executionTimeoutMs: 600_000,
  ttlMs: 86_400_000,
  retention: { asyncMs: 30 * MINUTE, syncMs: MINUTE },
  maxRetries: 3,
  limits: { runBytes: 10 * MB, runsyncBytes: 20 * MB, resultBytes: 20 * MB, chunkBytes: 1 * MB },
  scaling: { workersMin: 0, workersMax: 3, idleTimeoutS: 5, scalerType: "QUEUE_DELAY", scalerValue: 4 },
} as const satisfies Omit<EndpointConfig, "id">;

export class EndpointConfigError extends Error {
  override name = "EndpointConfigError";
}

function int(path: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new EndpointConfigError(
      `${path} must be an integer between ${min} and ${max}, got ${String(value)}`,
    );
  }
  return value;
}

function objectOrEmpty(path: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EndpointConfigError(`${path} must be an object`);
  }
  return value as Record<string, unknown>;
}

function resolveWorker(id: string, value: unknown): EndpointWorkerCommand | undefined {
  if (value === undefined) return undefined;
  const w = objectOrEmpty(`endpoints.${id}.worker`, value);
  const command = w.command;
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    !command.every((c): c is string => typeof c === "string" && c.length > 0)
  ) {
    throw new EndpointConfigError(`endpoints.${id}.worker.command must be a non-empty array of strings`);
  }
  const out: EndpointWorkerCommand = { command: [...command] };
  if (w.cwd !== undefined) {
    if (typeof w.cwd !== "string")
      throw new EndpointConfigError(`endpoints.${id}.worker.cwd must be a string`);
    out.cwd = w.cwd;
  }
  if (w.env !== undefined) {
    const env = objectOrEmpty(`endpoints.${id}.worker.env`, w.env);
    for (const [k, v] of Object.entries(env)) {
      if (typeof v !== "string")
        throw new EndpointConfigError(`endpoints.${id}.worker.env.${k} must be a string`);
    }
    out.env = { ...(env as Record<string, string>) };
  }
  return out;
}

export function resolveEndpoint(input: EndpointConfigInput): EndpointConfig {
  const raw = objectOrEmpty("endpoint", input) as Partial<EndpointConfigInput>;
  const id = raw.id;
  if (!isValidId(id)) {
    throw new EndpointConfigError(
      `endpoint id must match [A-Za-z0-9_-]+ and be at most ${ID_MAX_LENGTH} characters, got ${JSON.stringify(id)}`,
    );
  }
  const p = `endpoints.${id}`;
  const d = ENDPOINT_DEFAULTS;
  const retention = objectOrEmpty(`${p}.retention`, raw.retention);
  const limits = objectOrEmpty(`${p}.limits`, raw.limits);
  const scaling = objectOrEmpty(`${p}.scaling`, raw.scaling);
  const BIG = Number.MAX_SAFE_INTEGER;

  const scalerType = (scaling.scalerType ?? d.scaling.scalerType) as ScalerType;
  if (!SCALER_TYPES.includes(scalerType)) {
    throw new EndpointConfigError(`${p}.scaling.scalerType must be QUEUE_DELAY or REQUEST_COUNT`);
  }
  const R = SCALING_RANGES;
  const workersMin = int(
    `${p}.scaling.workersMin`,
    scaling.workersMin,
    d.scaling.workersMin,
    ...R.workersMin,
  );
  const workersMax = int(
    `${p}.scaling.workersMax`,
    scaling.workersMax,
    d.scaling.workersMax,
    ...R.workersMax,
  );
  if (workersMin > workersMax) {
    throw new EndpointConfigError(
      `${p}.scaling.workersMin (${workersMin}) exceeds workersMax (${workersMax})`,
    );
  }

  const resolvedLimits: EndpointLimits = {
    runBytes: int(`${p}.limits.runBytes`, limits.runBytes, d.limits.runBytes, 1, BIG),
    runsyncBytes: int(`${p}.limits.runsyncBytes`, limits.runsyncBytes, d.limits.runsyncBytes, 1, BIG),
    resultBytes: int(`${p}.limits.resultBytes`, limits.resultBytes, d.limits.resultBytes, 1, BIG),
    chunkBytes: int(`${p}.limits.chunkBytes`, limits.chunkBytes, d.limits.chunkBytes, 1, BIG),
  };
  if (limits.maxQueue !== undefined) {
    resolvedLimits.maxQueue = int(`${p}.limits.maxQueue`, limits.maxQueue, 0, 1, BIG);
  }

  const config: EndpointConfig = {
    id,
    executionTimeoutMs: int(
      `${p}.executionTimeoutMs`,
      raw.executionTimeoutMs,
      d.executionTimeoutMs,
      EXECUTION_TIMEOUT_RANGE.min,
      EXECUTION_TIMEOUT_RANGE.max,
    ),
    ttlMs: int(`${p}.ttlMs`, raw.ttlMs, d.ttlMs, TTL_RANGE.min, TTL_RANGE.max),
    retention: {
      asyncMs: int(`${p}.retention.asyncMs`, retention.asyncMs, d.retention.asyncMs, 0, 7 * DAY),
      syncMs: int(`${p}.retention.syncMs`, retention.syncMs, d.retention.syncMs, 0, 7 * DAY),
    },
    maxRetries: int(`${p}.maxRetries`, raw.maxRetries, d.maxRetries, 0, 100),
    limits: resolvedLimits,
    scaling: {
      workersMin,
      workersMax,
      idleTimeoutS: int(
        `${p}.scaling.idleTimeoutS`,
        scaling.idleTimeoutS,
        d.scaling.idleTimeoutS,
        ...R.idleTimeoutS,
      ),
      scalerType,
      scalerValue: int(
        `${p}.scaling.scalerValue`,
        scaling.scalerValue,
        d.scaling.scalerValue,
        ...R.scalerValue,
      ),
    },
  };
  const worker = resolveWorker(id, raw.worker);
  if (worker) config.worker = worker;
  return config;
}

/** The queue cap of docs/api.md §6: `limits.maxQueue` if set, else max(50, workersMax × 500). */
export function queueCap(config: EndpointConfig): number {
  return config.limits.maxQueue ?? Math.max(50, config.scaling.workersMax * 500);
}
