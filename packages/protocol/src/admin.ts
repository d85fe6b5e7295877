/**
 * The admin API under `/admin/v1/` (docs/api.md, "Admin API"): every JSON shape its routes answer, and the body
 * of the scaling change. A Gantry extension, read by the CLI and dashboards; the server builds these values and
 * its clients read them, so both sides name one type. Worker environment values never appear: only their names.
 */
import type { HealthView } from "./health.js";

/** How Gantry decides how many workers an endpoint needs (RunPod's scaler types). */
export type ScalerType = "QUEUE_DELAY" | "REQUEST_COUNT";

/** An endpoint's scaling settings, with the meaning and ranges of the config file. */
export interface ScalingSettings {
  /** Workers kept running even with nothing queued (0–1000). */
  workersMin: number;
  /** Most workers run at once (0–1000). */
  workersMax: number;
  /** Seconds an idle worker is kept before it is stopped (1–3600). */
  idleTimeoutS: number;
  scalerType: ScalerType;
  /** Seconds of queue delay (`QUEUE_DELAY`) or queued jobs per worker (`REQUEST_COUNT`), 1–1 000 000. */
  scalerValue: number;
}

/** The body of `PATCH /admin/v1/endpoints/{ep}/scaling`: any of the settings, at least one. */
export type ScalingPatch = Partial<ScalingSettings>;

/** The answer to `PATCH /admin/v1/endpoints/{ep}/scaling`: the settings now in force. */
export interface ScalingChangeView {
  id: string;
  scaling: ScalingSettings;
}

/** An endpoint's size limits (bytes) and queue cap. */
export interface EndpointLimitsView {
  runBytes: number;
  runsyncBytes: number;
  resultBytes: number;
  chunkBytes: number;
  /** Hard cap on queued jobs; when absent the cap is max(50, workersMax × 500). */
  maxQueue?: number;
}

/** How Gantry starts an endpoint's workers: the command, and the names (never the values) of its environment. */
export interface WorkerCommandView {
  command: string[];
  cwd?: string;
  /** Names of the variables the config file sets, sorted. */
  envKeys: string[];
}

/** An endpoint's settings, one item of `GET /admin/v1/endpoints`. */
export interface EndpointSettingsView {
  id: string;
  /** Gantry starts and scales its workers (the endpoint has a `worker.command`). */
  managed: boolean;
  /** Default `policy.executionTimeout` of its jobs (ms). */
  executionTimeoutMs: number;
  /** Default `policy.ttl` of its jobs (ms). */
  ttlMs: number;
  /** How long a finished job stays readable (ms), asynchronous and `/runsync` jobs. */
  retention: { asyncMs: number; syncMs: number };
  /** Requeues after a lost worker before the job fails. */
  maxRetries: number;
  limits: EndpointLimitsView;
  /** The settings in force (after run-time changes), not necessarily the config file's. */
  scaling: ScalingSettings;
  /** Present for managed endpoints only. */
  worker?: WorkerCommandView;
}

/** `GET /admin/v1/endpoints`: every configured endpoint, in config order. */
export interface EndpointListView {
  endpoints: EndpointSettingsView[];
}

/** The states a worker is in, as `/health` counts them. */
export type WorkerStateName = "initializing" | "idle" | "running" | "throttled" | "unhealthy";

/**
 * A worker process Gantry runs, as its supervisor lists it; also the answer to
 * `POST /admin/v1/workers/{workerId}/stop` (with `force`).
 */
export interface WorkerListing {
  id: string;
  endpointId: string;
  state: WorkerStateName;
  pid?: number;
  /** When the process was started (epoch ms). */
  startedAt: number;
  /** From process start to its first job-take request (ms). */
  coldStartMs?: number;
  concurrency: number;
  /** Jobs it holds now. */
  jobs: number;
  /** Set once it has been told to stop, with why. */
  stopping?: string;
  /** Why it is unhealthy. */
  reason?: string;
}

/** The answer to `POST /admin/v1/workers/{workerId}/stop`: the worker as it is now told to stop. */
export interface StopWorkerView extends WorkerListing {
  /** SIGKILL at once rather than SIGTERM and a grace period. */
  force: boolean;
}

/** One worker as the admin API lists it, whether Gantry started it or it joined from elsewhere. */
export interface AdminWorkerView {
  id: string;
  endpointId: string;
  /** Gantry started this process. */
  managed: boolean;
  state: WorkerStateName;
  jobs: number;
  concurrency: number;
  pid?: number;
  startedAt?: number;
  coldStartMs?: number;
  /** Last contact through the worker protocol (epoch ms). */
  lastSeenAt?: number;
  version?: string;
  /** Why it is stopping, once told to. */
  stopping?: string;
  /** Why it is unhealthy. */
  reason?: string;
  /** It posted `stopPod` and gets no new job. */
  recycle?: boolean;
}

/** `GET /admin/v1/endpoints/{ep}/workers`. */
export interface WorkerListView {
  endpointId: string;
  managed: boolean;
  workers: AdminWorkerView[];
}

/** Cold-start figures (ms): time from a worker's process start to its first job-take request. */
export interface ColdStartView {
  count: number;
  p50?: number;
  p90?: number;
  p98?: number;
  /** The most recent cold start. */
  last?: number;
}

/** The last crash of an endpoint's workers. */
export interface CrashReportView {
  workerId: string;
  code: number | null;
  signal: string | null;
  /** The process could not be started at all. */
  error?: string;
  at: number;
  /** Last lines of its output, oldest first. */
  lastLines: string[];
}

/** An endpoint's crash record: a crash loop is backed off until `nextStartAt`. */
export interface CrashView {
  consecutive: number;
  looping: boolean;
  nextStartAt?: number;
  last?: CrashReportView;
}

/** The `status` of `GET /admin/v1/endpoints/{ep}`. */
export interface EndpointStatus {
  /** The same numbers as `/health`. */
  jobs: HealthView["jobs"];
  counts: HealthView["workers"];
  workers: AdminWorkerView[];
  coldStart: ColdStartView;
  crash: CrashView;
  /** Crash loops, unhealthy workers. */
  hints: string[];
}

/** `GET /admin/v1/endpoints/{ep}`: the endpoint's settings plus its status. */
export interface EndpointStatusView extends EndpointSettingsView {
  status: EndpointStatus;
}

/** Where a worker's log line came from: its stdout, its stderr, or Gantry's own notes about it (`system`). */
export type WorkerLogStream = "stdout" | "stderr" | "system";

/** One line of a worker's output; also the data of a followed log's `line` event (its id is `seq`). */
export interface WorkerLogLine {
  /** 1-based, monotonic per worker: a follower resumes after the last seq it saw. */
  seq: number;
  at: number;
  stream: WorkerLogStream;
  line: string;
}

/** How a worker's process ended; also the data of a followed log's `exit` event. */
export interface WorkerExitView {
  /** Exit code, or null when killed by a signal or never started. */
  code: number | null;
  signal: string | null;
  at: number;
  /** Set when the process could not be started at all. */
  error?: string;
  /** Why it exited, as Gantry recorded it. */
  why?: string;
}

/** `GET /admin/v1/workers/{workerId}/logs` as JSON: the latest lines, oldest first. */
export interface WorkerLogsView {
  workerId: string;
  endpointId: string;
  running: boolean;
  /** Present once the process has exited. */
  exit?: WorkerExitView;
  lines: WorkerLogLine[];
}
