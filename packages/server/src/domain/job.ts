/**
 * The job as the platform holds it, and the status object clients see.
 * Shared vocabulary of the store, the engine and the API; no runtime dependencies.
 */

export const JOB_STATUSES = [
  "IN_QUEUE",
  "IN_PROGRESS",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
]);
export const isTerminal = (s: JobStatus): boolean => TERMINAL_STATUSES.has(s);

export interface JobPolicy {
  /** ms of run time once taken. */
  executionTimeout: number;
  /** ms of total lifetime from submission; the job is deleted after it. */
  ttl: number;
  lowPriority: boolean;
}

/** A stored job. Times are ms since the epoch. */
export interface JobRecord {
  id: string;
  endpointId: string;
  status: JobStatus;
  /** true for `/runsync` jobs (ids `sync-…`, shorter retention). */
  sync: boolean;
  input: unknown;
  webhook?: string;
  policy: JobPolicy;
  s3Config?: unknown;
  /** Other request fields passed through to the worker unchanged (e.g. `webhookV2`). */
  extra?: Record<string, unknown>;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  /** createdAt + policy.ttl: hard deletion whatever the state. */
  expiresAt: number;
  /** Set when terminal: completedAt + retention. */
  retainUntil?: number;
  workerId?: string;
  /** While IN_PROGRESS: the latest progress value; when terminal: the result output. */
  output?: unknown;
  hasOutput: boolean;
  error?: unknown;
  retries: number;
  /** Number of stream chunks appended so far (chunk sequence numbers are 1..streamCount). */
  streamCount: number;
  /** Highest chunk sequence handed out by the draining `/stream` route. */
  streamDrained: number;
  /** The worker reported the job as a generator (job-done with `isStream=true`). */
  generator?: boolean;
  /** IN_PROGRESS only: the worker's hold on the job expires at this time unless a ping extends it. */
  leaseUntil?: number;
  idempotencyKey?: string;
}

/** The status object of the public API (endpoint-api.md §4.3). */
export interface JobView {
  id: string;
  status: JobStatus;
  delayTime?: number;
  executionTime?: number;
  input?: unknown;
  output?: unknown;
  error?: unknown;
  workerId?: string;
  retries?: number;
  /** Gantry extension: why a queued job waits (e.g. a crash-looping worker). */
  hint?: string;
}

/** One line of `GET /v2/{ep}/requests` (Gantry's shape; RunPod leaves it undocumented). */
export interface JobSummary {
  id: string;
  status: JobStatus;
  /** Submission time, ms since the epoch. */
  createdAt: number;
  delayTime?: number;
  executionTime?: number;
  workerId?: string;
  retries: number;
}

export interface StreamChunk {
  seq: number;
  output: unknown;
}
