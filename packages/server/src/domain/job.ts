/**
 * The job as the platform holds it. Shared vocabulary of the store, the engine and the API; the wire shapes
 * (statuses, the status object, the `/requests` line, a stream chunk) are @gantry/protocol's, the one
 * definition the client SDK and the CLI read too.
 */
import { isTerminalStatus, JOB_STATUSES, type JobStatusName } from "@gantry/protocol";

export type { JobSummary, JobView, StreamChunk } from "@gantry/protocol";
export { JOB_STATUSES };
export type JobStatus = JobStatusName;

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set(JOB_STATUSES.filter(isTerminalStatus));
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
