/**
 * `JobStore`: the jobs, their stream chunks and the sweeps over them. Every adapter passes `testing/conformance.ts`.
 *
 * Design rules an adapter must keep:
 * - Every status change is ONE conditional write (a single statement or transaction such as
 *   `UPDATE … WHERE id = ? AND status = 'IN_PROGRESS' AND worker_id = ?`), checked against
 *   `domain/state-machine.ts`; concurrent callers can never both win.
 * - Time is an argument (`now`, ms since the epoch), never read from a clock, so sweeps are testable.
 * - A terminal transition of a job that has a webhook enqueues its delivery (see `WebhookOutbox`) in the same
 *   write, so a crash cannot lose it.
 */
import type { JobRecord, JobStatus, StreamChunk } from "../domain/job.js";

/** A job as submitted: the record's own fields, before the store gives it a status, a position and timings. */
export interface NewJob
  extends Pick<
    JobRecord,
    "id" | "endpointId" | "sync" | "input" | "webhook" | "policy" | "s3Config" | "extra" | "createdAt"
  > {
  /** How long the job stays readable once terminal (sets `retainUntil`). */
  retentionMs: number;
  /** Per endpoint: a repeat insert with the same key returns the existing job. */
  idempotencyKey?: string;
}

/** Why a change did not happen. */
export type ChangeRefusal =
  | "not-found"
  /** The job is held by another worker (or by none). */
  | "not-owner"
  /** Finished already: a repeat or late post; callers treat it as a no-op. */
  | "already-terminal"
  /** The state machine refuses the event in the current state (or a renewed lease made a sweep stale). */
  | "not-allowed";

export type Refusal = { ok: false; reason: ChangeRefusal; message: string; job?: JobRecord };

export type Change = { ok: true; job: JobRecord; previous: JobStatus } | Refusal;

export type ChunkAppend = { ok: true; seq: number; job: JobRecord } | Refusal;

/** A job-take: up to `max` queued jobs of the endpoint for `workerId`, leased until `leaseUntil`. */
export interface TakeRequest {
  endpointId: string;
  workerId: string;
  max: number;
  now: number;
  leaseUntil: number;
}

/** A write by the worker that holds the job. */
export interface WorkerWrite {
  id: string;
  workerId: string;
  /**
   * When set, the job must be on this endpoint (worker routes are per endpoint, ids are global), else the write
   * is refused as `not-found` — checked in the write itself, not by a read before it.
   */
  endpointId?: string;
}

/** A progress value or a stream chunk. */
export interface OutputWrite extends WorkerWrite {
  output: unknown;
  /** Renews the lease up to here (never shortens it): the worker is evidently alive. */
  leaseUntil?: number;
}

/** The worker's result. */
export interface FinishWrite extends WorkerWrite {
  status: "COMPLETED" | "FAILED";
  /** Present (even `null`) when the worker sent an `output` key. */
  hasOutput: boolean;
  output?: unknown;
  error?: unknown;
  /** Job-done came with `isStream=true`. */
  generator: boolean;
  now: number;
}

/**
 * The lease of a running job lapsed: requeue (`retries + 1`) while `retries < maxRetries`, else FAILED with
 * `error`. With `workerGone`, the holder is known to be dead (its process exited), so the lease need not have
 * lapsed.
 */
export interface LeaseLoss {
  id: string;
  workerId: string;
  maxRetries: number;
  now: number;
  error: string;
  workerGone?: boolean;
}

export interface JobCounts {
  inQueue: number;
  inProgress: number;
  completed: number;
  failed: number;
  cancelled: number;
  timedOut: number;
  /** Running total of automatic requeues after lost workers. */
  retried: number;
}

export interface QueueStats {
  /** Queued jobs of normal priority. */
  inQueue: number;
  /** Queued `lowPriority` jobs. */
  inQueueLow: number;
  inProgress: number;
  /**
   * Submission time of the job at the head of the normal-priority queue: the one that has waited longest in
   * line. A job re-queued by `/retry` joins the tail, so its old submission time does not count as waiting.
   */
  oldestQueuedAt?: number;
}

export interface DrainResult {
  job: JobRecord;
  /**
   * Chunks not handed out before, now marked as drained. A COMPLETED non-generator job that streamed
   * nothing yields its output once as chunk 1 (docs/api.md, `/stream`).
   */
  chunks: StreamChunk[];
}

/** What a live feed needs to see whether a job moved, without reading (or decoding) its whole row. */
export interface FeedState {
  status: JobStatus;
  /** The stored progress value as JSON text, when the job is IN_PROGRESS and has one. */
  progress?: string;
}

/** What `listRecent` returns at most, whatever the caller asks. */
export const LIST_RECENT_MAX = 500;

export interface ListRecentOptions {
  /** 1…`LIST_RECENT_MAX`; out-of-range values are clamped. */
  limit: number;
  status?: JobStatus;
}

/**
 * The members of `JobStore` that change a job's status or holder: each adapter writes them in one module of its
 * own (`*-job-changes.ts`), the rest of the interface in another (`*-jobs.ts`).
 */
export type JobChangeMethods =
  | "take"
  | "putBack"
  | "progress"
  | "appendChunk"
  | "finish"
  | "cancel"
  | "timeout"
  | "leaseLost"
  | "retry"
  | "extendLeases";
export type JobChanges = Pick<JobStore, JobChangeMethods>;

export interface JobStore {
  /**
   * True when every write runs in-process the moment it is called, so later calls see it at once (each still
   * resolves only after its commit): SQLite, whose writes of one event-loop turn share one commit. The engine
   * then wakes a parked taker before the insert's commit, so the take joins that commit. False when a write is
   * visible only once its promise resolved (PostgreSQL): a taker woken earlier could look too soon and miss it.
   */
  readonly inlineWrites: boolean;

  insert(job: NewJob): Promise<{ job: JobRecord; created: boolean }>;
  get(id: string): Promise<JobRecord | undefined>;
  /** The job of the endpoint that was submitted with this idempotency key, if it still exists. */
  findByIdempotencyKey(endpointId: string, key: string): Promise<JobRecord | undefined>;
  /** The endpoint's jobs, newest submission first (ties: later insert first), optionally of one status. */
  listRecent(endpointId: string, options: ListRecentOptions): Promise<JobRecord[]>;

  /** Atomically hands out queued jobs: normal priority FIFO first, never a job whose TTL has passed. */
  take(request: TakeRequest): Promise<JobRecord[]>;
  /** Returns IN_PROGRESS jobs of that worker to the queue at their original position, not as retries. */
  putBack(workerId: string, ids: string[]): Promise<JobRecord[]>;

  /** Stores the latest progress value of a held job. */
  progress(write: OutputWrite): Promise<Change>;
  appendChunk(write: OutputWrite): Promise<ChunkAppend>;
  /** Chunks with `seq > afterSeq`, in order; does not move the drain cursor (used by SSE). */
  readChunks(id: string, afterSeq: number, limit?: number): Promise<StreamChunk[]>;
  /**
   * The job's status and raw progress (undefined when it does not exist). The SSE feed reads it after every
   * chunk and reads the whole job only when the status changed.
   */
  feedState(id: string): Promise<FeedState | undefined>;
  /** Hands out the chunks after the drain cursor and advances it, atomically. */
  drain(id: string, limit?: number): Promise<DrainResult | undefined>;

  finish(write: FinishWrite): Promise<Change>;
  cancel(id: string, now: number): Promise<Change>;
  /** Execution timeout of a running job. */
  timeout(id: string, now: number, error: string): Promise<Change>;
  leaseLost(loss: LeaseLoss): Promise<Change>;
  /** FAILED/TIMED_OUT → IN_QUEUE under the same id at the tail; output, error and stream cleared. */
  retry(id: string): Promise<Change>;
  /** Deletes every queued job of the endpoint; returns their ids. */
  purgeQueue(endpointId: string): Promise<string[]>;

  /** Renews the lease of those of `ids` that `workerId` holds; returns how many. */
  extendLeases(workerId: string, ids: string[], leaseUntil: number): Promise<number>;
  listByWorker(workerId: string): Promise<JobRecord[]>;
  /** IN_PROGRESS job counts per worker of the endpoint. */
  workerLoads(endpointId: string): Promise<Map<string, number>>;

  expiredLeases(now: number, limit: number): Promise<JobRecord[]>;
  executionTimeouts(now: number, limit: number): Promise<JobRecord[]>;
  /** Deletes jobs past their TTL (any state) and returns them as they were. */
  expireTtl(now: number, limit: number): Promise<JobRecord[]>;
  /** Deletes terminal jobs past retention; returns their ids. Also prunes finished webhook deliveries. */
  expireRetention(now: number, limit: number): Promise<string[]>;

  counts(endpointId: string): Promise<JobCounts>;
  /**
   * Queued jobs of the endpoint. With `atMost`, a store may stop counting there and return `atMost` when at least
   * that many are queued (the queue-cap check needs no more), so the check stays bounded on a long queue.
   */
  queuedCount(endpointId: string, atMost?: number): Promise<number>;
  /** For the autoscaler: queued jobs split by priority, running jobs, and the oldest normal-priority wait. */
  queueStats(endpointId: string): Promise<QueueStats>;
}
