import { randomUUID } from "node:crypto";

/** Worker settings read from the environment the platform gives a worker (docs/protocol.md §1). */
export interface WorkerEnv {
  /** `RUNPOD_WEBHOOK_GET_JOB`; undefined selects local mode (an empty string still means production). */
  jobTakeTemplate: string | undefined;
  jobDoneTemplate: string;
  jobStreamTemplate: string;
  pingTemplate: string;
  /** `RUNPOD_POD_ID` as given; undefined when unset. */
  podId: string | undefined;
  /** Id used in URLs: `RUNPOD_POD_ID`, or a random uuid. */
  workerId: string;
  apiKey: string;
  apiKeySet: boolean;
  pingIntervalMs: number;
  hostname: string;
  shutdownGraceMs: number;
  skipAutoSystemChecks: boolean;
  minMemoryGb: number;
  minDiskPercent: number;
}

export const DEFAULT_PING_INTERVAL_MS = 10_000;
export const MIN_PING_INTERVAL_MS = 1000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;
/**
 * Lenient defaults (Python uses 4 GB and 10 %): a worker that merely runs light code should not refuse to
 * start on a small dev machine; deployments that need more set the env vars.
 */
export const DEFAULT_MIN_MEMORY_GB = 0.25;
export const DEFAULT_MIN_DISK_PERCENT = 1;

type Warn = (message: string) => void;

function readNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  warn: Warn,
  check: (n: number) => boolean,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || !check(value)) {
    warn(`Ignoring invalid ${name}=${JSON.stringify(raw)}; using ${fallback}.`);
    return fallback;
  }
  return value;
}

export function readWorkerEnv(env: NodeJS.ProcessEnv = process.env, warn: Warn = () => {}): WorkerEnv {
  let pingIntervalMs = readNumber(env, "RUNPOD_PING_INTERVAL", DEFAULT_PING_INTERVAL_MS, warn, (n) => n > 0);
  if (pingIntervalMs < MIN_PING_INTERVAL_MS) {
    // Python's heartbeat dies below 1000 ms; clamping keeps a misconfigured worker alive and visible.
    warn(
      `RUNPOD_PING_INTERVAL=${pingIntervalMs} is below ${MIN_PING_INTERVAL_MS} ms; using ${MIN_PING_INTERVAL_MS}.`,
    );
    pingIntervalMs = MIN_PING_INTERVAL_MS;
  }
  const podId = env.RUNPOD_POD_ID;
  return {
    jobTakeTemplate: env.RUNPOD_WEBHOOK_GET_JOB,
    jobDoneTemplate: env.RUNPOD_WEBHOOK_POST_OUTPUT ?? "JOB_DONE_URL",
    jobStreamTemplate: env.RUNPOD_WEBHOOK_POST_STREAM ?? "JOB_STREAM_URL",
    pingTemplate: env.RUNPOD_WEBHOOK_PING ?? "PING_NOT_SET",
    podId,
    workerId: podId ?? randomUUID(),
    apiKey: env.RUNPOD_AI_API_KEY ?? "",
    apiKeySet: env.RUNPOD_AI_API_KEY !== undefined,
    pingIntervalMs,
    hostname: env.RUNPOD_POD_HOSTNAME ?? "unknown",
    shutdownGraceMs: readNumber(
      env,
      "GANTRY_SHUTDOWN_GRACE_MS",
      DEFAULT_SHUTDOWN_GRACE_MS,
      warn,
      (n) => n >= 0,
    ),
    skipAutoSystemChecks: (env.RUNPOD_SKIP_AUTO_SYSTEM_CHECKS ?? "").toLowerCase() === "true",
    minMemoryGb: readNumber(env, "RUNPOD_MIN_MEMORY_GB", DEFAULT_MIN_MEMORY_GB, warn, (n) => n >= 0),
    minDiskPercent: readNumber(env, "RUNPOD_MIN_DISK_PERCENT", DEFAULT_MIN_DISK_PERCENT, warn, (n) => n >= 0),
  };
}
