/**
 * The one durable-store contract. Every adapter (SQLite now, PostgreSQL later) passes `testing/conformance.ts`.
 *
 * Design rules an adapter must keep:
 * - Every status change is ONE conditional write (a single statement or transaction such as
 *   `UPDATE … WHERE id = ? AND status = 'IN_PROGRESS' AND worker_id = ?`), checked against
 *   `domain/state-machine.ts`; concurrent callers can never both win.
 * - Time is an argument (`now`, ms since the epoch), never read from a clock, so sweeps are testable.
 * - A terminal transition of a job that has a webhook enqueues its delivery in the same write (outbox),
 *   so a crash cannot lose it.
 */
import type { JobPolicy, JobRecord, JobStatus, StreamChunk } from "../domain/job.js";

export interface NewJob {
  id: string;
  endpointId: string;
  sync: boolean;
  input: unknown;
  webhook?: string;
  policy: JobPolicy;
  s3Config?: unknown;
  extra?: Record<string, unknown>;
  createdAt: number;
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

export type Change =
  | { ok: true; job: JobRecord; previous: JobStatus }
  | { ok: false; reason: ChangeRefusal; message: string; job?: JobRecord };

export type ChunkAppend = { ok: true; seq: number; job: JobRecord } | Extract<Change, { ok: false }>;

export interface FinishRequest {
  status: "COMPLETED" | "FAILED";
  /** Present (even `null`) when the worker sent an `output` key. */
  hasOutput: boolean;
  output?: unknown;
  error?: unknown;
  /** Job-done came with `isStream=true`. */
  generator: boolean;
}

/**
 * Optional condition of a worker's write: the job must be on `endpointId` (worker routes are per endpoint, ids
 * are global), else the write is refused as `not-found` — checked in the write itself, not by a read before it.
 */
export interface WorkerWriteGuard {
  endpointId?: string;
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

export interface WebhookDelivery {
  id: number;
  jobId: string;
  endpointId: string;
  url: string;
  /** The job as it was when it became terminal. */
  job: JobRecord;
  attempts: number;
  nextAt: number;
  state: "pending" | "delivered" | "failed";
  lastError?: string;
}

export interface DrainResult {
  job: JobRecord;
  /**
   * Chunks not handed out before, now marked as drained. A COMPLETED non-generator job that streamed
   * nothing yields its output once as chunk 1 (endpoint-api §2.5).
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

export interface JobStore extends Partial<ClusterStore> {
  /**
   * Additive, optional: every write runs when it is called, in-process, and later calls see it at once (each still
   * resolves only after its commit). The engine then wakes a taker before the commit, so the take shares it.
   */
  readonly inlineWrites?: boolean;
  insert(job: NewJob): Promise<{ job: JobRecord; created: boolean }>;
  get(id: string): Promise<JobRecord | undefined>;
  /** The job of the endpoint that was submitted with this idempotency key, if it still exists. */
  findByIdempotencyKey(endpointId: string, key: string): Promise<JobRecord | undefined>;
  /** The endpoint's jobs, newest submission first (ties: later insert first), optionally of one status. */
  listRecent(endpointId: string, options: ListRecentOptions): Promise<JobRecord[]>;

  /**
   * Atomically hands up to `max` queued jobs of the endpoint to `workerId`: normal priority FIFO first,
   * never a job whose TTL has passed.
   */
  take(
    endpointId: string,
    workerId: string,
    max: number,
    now: number,
    leaseUntil: number,
  ): Promise<JobRecord[]>;
  /** Returns IN_PROGRESS jobs of that worker to the queue at their original position, not as retries. */
  putBack(workerId: string, ids: string[]): Promise<JobRecord[]>;

  /** Stores a progress value; `leaseUntil` renews the lease because the worker is evidently alive. */
  progress(
    id: string,
    workerId: string,
    output: unknown,
    leaseUntil?: number,
    guard?: WorkerWriteGuard,
  ): Promise<Change>;
  appendChunk(
    id: string,
    workerId: string,
    output: unknown,
    leaseUntil?: number,
    guard?: WorkerWriteGuard,
  ): Promise<ChunkAppend>;
  /** Chunks with `seq > afterSeq`, in order; does not move the drain cursor (used by SSE). */
  readChunks(id: string, afterSeq: number, limit?: number): Promise<StreamChunk[]>;
  /**
   * Additive, optional: the job's status and raw progress (undefined when it does not exist). The SSE feed reads
   * it after every chunk and reads the whole job only when the status changed.
   */
  feedState?(id: string): Promise<FeedState | undefined>;
  /** Hands out the chunks after the drain cursor and advances it, atomically. */
  drain(id: string, limit?: number): Promise<DrainResult | undefined>;

  finish(
    id: string,
    workerId: string,
    result: FinishRequest,
    now: number,
    guard?: WorkerWriteGuard,
  ): Promise<Change>;
  cancel(id: string, now: number): Promise<Change>;
  /** Execution timeout of a running job. */
  timeout(id: string, now: number, error: string): Promise<Change>;
  /**
   * The lease lapsed: requeue (`retries + 1`) while `retries < maxRetries`, else FAILED with `error`.
   * With `workerGone`, the holder is known to be dead (its process exited), so the lease need not have lapsed.
   */
  leaseLost(
    id: string,
    workerId: string,
    maxRetries: number,
    now: number,
    error: string,
    options?: { workerGone?: boolean },
  ): Promise<Change>;
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
  /** Deletes terminal jobs past retention; returns their ids. Also prunes finished webhook rows. */
  expireRetention(now: number, limit: number): Promise<string[]>;

  counts(endpointId: string): Promise<JobCounts>;
  /**
   * Queued jobs of the endpoint. With `atMost`, a store may stop counting there and return `atMost` when at least
   * that many are queued (the queue-cap check needs no more), so the check stays bounded on a long queue.
   */
  queuedCount(endpointId: string, atMost?: number): Promise<number>;
  /**
   * For the autoscaler (additive, optional): queued jobs split by priority, running jobs, and the submission
   * time of the oldest queued normal-priority job.
   */
  queueStats?(endpointId: string): Promise<QueueStats>;

  dueWebhooks(now: number, limit: number): Promise<WebhookDelivery[]>;
  /**
   * Starts an attempt: if still pending and due, counts it and pushes `nextAt` to `retryAt`, so a crash
   * mid-attempt leads to a retry (after a restart too). Undefined when someone else claimed it.
   */
  claimWebhook(id: number, now: number, retryAt: number): Promise<WebhookDelivery | undefined>;
  webhookDelivered(id: number, now: number): Promise<void>;
  /** A failed attempt: retry at `retryAt`, or give up when it is undefined. */
  webhookFailed(id: number, now: number, error: string, retryAt?: number): Promise<void>;
  getWebhook(id: number): Promise<WebhookDelivery | undefined>;

  close(): Promise<void>;
}

// ─── Cluster state (issue #7: many Gantry nodes on one database) ─────────────────────────────────────────────
// Optional on `JobStore`: a single-node store may leave them out. A store shared by several nodes implements
// them all (`isClusterStore`); the engine then keeps stop signals, the worker registry and the leader lease here.

/** One worker as the engine's registry shares it; `data` is the engine's own JSON, opaque to the store. */
export interface WorkerRow {
  id: string;
  endpointId: string;
  /** Latest contact (ms since the epoch); an upsert never moves it back. */
  lastSeen: number;
  /** When `data` last changed; an upsert with an older `changedAt` keeps the stored `data`. */
  changedAt: number;
  data: unknown;
}

export interface ClusterStore {
  /** Records that `workerId` must stop `jobId`; a repeat is a no-op. */
  addStopSignal(workerId: string, jobId: string, now: number): Promise<void>;
  /** Removes and returns up to `limit` pending stop ids of the worker, oldest first, atomically. */
  takeStopSignals(workerId: string, limit: number): Promise<string[]>;
  clearStopSignals(workerId: string): Promise<void>;
  /** Deletes stop signals recorded before `before` (a worker that never polls job-stop); returns how many. */
  pruneStopSignals(before: number): Promise<number>;

  upsertWorkers(rows: WorkerRow[]): Promise<void>;
  listWorkerRows(): Promise<WorkerRow[]>;
  deleteWorkerRows(ids: string[]): Promise<void>;

  /**
   * Takes or renews the named lease for `holder` until `until`: granted when free, lapsed (`until <= now` of the
   * stored row) or already held by `holder`. Exactly one of concurrent callers wins.
   */
  acquireLease(name: string, holder: string, now: number, until: number): Promise<boolean>;
  /** Gives the lease up at once if `holder` has it. */
  releaseLease(name: string, holder: string): Promise<void>;
}

const CLUSTER_METHODS = [
  "addStopSignal",
  "takeStopSignals",
  "clearStopSignals",
  "pruneStopSignals",
  "upsertWorkers",
  "listWorkerRows",
  "deleteWorkerRows",
  "acquireLease",
  "releaseLease",
] as const satisfies readonly (keyof ClusterStore)[];

export function isClusterStore(store: JobStore): store is JobStore & ClusterStore {
  return CLUSTER_METHODS.every((m) => typeof store[m] === "function");
}
