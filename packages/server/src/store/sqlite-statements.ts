/**
 * The prepared statements of the SQLite `JobStore`, and what its parts (sqlite-jobs.ts, sqlite-job-changes.ts,
 * sqlite-sweeps.ts) share: one connection, one group commit.
 */
import type Database from "better-sqlite3";
import type { JobStatus } from "../domain/job.js";
import { type LifecycleEvent, sourcesOf } from "../domain/state-machine.js";
import type { JobRow } from "./job-row.js";
import type { GroupCommit } from "./sqlite-group-commit.js";
import { byLimit } from "./sqlite-limit.js";
import type { QueuePositions } from "./sqlite-queue-pos.js";
import { prepareJobRows as jobRows } from "./sqlite-rows.js";

/** A prepared statement as the store uses it (better-sqlite3's own type cannot be named in declarations). */
export interface Stmt<P extends unknown[], R = unknown> {
  get(...params: P): R | undefined;
  all(...params: P): R[];
  run(...params: P): { changes: number };
}

const prep = <P extends unknown[], R = unknown>(db: Database.Database, sql: string): Stmt<P, R> =>
  db.prepare(sql) as unknown as Stmt<P, R>;

/** `status IN (…)` for a bulk change, derived from the state machine so SQL and rules cannot drift. */
const statusIn = (event: LifecycleEvent): string =>
  `status IN (${sourcesOf(event)
    .map((s) => `'${s}'`)
    .join(", ")})`;

/**
 * The take and sweep queries whose plans sqlite.test.ts checks: each must stay on an index (the sweeps on the
 * partial index of IN_PROGRESS rows, since schema migration 5), never a scan of the table.
 */
export const PLANNED_SQL = {
  // Skips jobs past their TTL that the sweeper has not deleted yet. Prepared per limit (`byLimit`): the usual
  // job-take asks for one job, and `LIMIT 1` written in costs ≈ 8 µs where a bound `LIMIT ?` cost 25–40 µs.
  queued: `SELECT id FROM jobs WHERE endpoint_id = ? AND status = 'IN_QUEUE' AND expires_at > ?
       ORDER BY low_priority, queue_pos LIMIT ?`,
  byWorker: "SELECT * FROM jobs WHERE worker_id = ? AND status = 'IN_PROGRESS' ORDER BY started_at",
  loads: `SELECT worker_id, count(*) AS n FROM jobs WHERE endpoint_id = ? AND status = 'IN_PROGRESS'
       GROUP BY worker_id`,
  expiredLeases: `SELECT * FROM jobs WHERE status = 'IN_PROGRESS' AND lease_until <= ? ORDER BY lease_until LIMIT ?`,
  overdue: `SELECT * FROM jobs WHERE status = 'IN_PROGRESS' AND deadline_at <= ? ORDER BY deadline_at LIMIT ?`,
} as const;

export function prepareJobStatements(db: Database.Database) {
  return {
    get: jobRows<[string]>(db, "SELECT * FROM jobs WHERE id = ?"),
    feedState: prep<[string], { status: JobStatus; progress: string | null }>(
      db,
      `SELECT status, CASE WHEN status = 'IN_PROGRESS' AND has_output = 1 THEN output END AS progress
       FROM jobs WHERE id = ?`,
    ),
    byIdempotencyKey: jobRows<[string, string]>(
      db,
      "SELECT * FROM jobs WHERE endpoint_id = ? AND idempotency_key = ?",
    ),
    recent: byLimit(
      "SELECT * FROM jobs WHERE endpoint_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
      (sql) => jobRows<[string]>(db, sql),
    ),
    recentByStatus: byLimit(
      "SELECT * FROM jobs WHERE endpoint_id = ? AND status = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
      (sql) => jobRows<[string, JobStatus]>(db, sql),
    ),
    insert: prep<[Record<string, unknown>]>(
      db,
      `INSERT INTO jobs (id, endpoint_id, status, sync, input, webhook, execution_timeout_ms, ttl_ms, low_priority,
         s3_config, extra, created_at, expires_at, retention_ms, queue_pos, idempotency_key)
       VALUES (@id, @endpointId, 'IN_QUEUE', @sync, @input, @webhook, @executionTimeout, @ttl, @lowPriority,
         @s3Config, @extra, @createdAt, @expiresAt, @retentionMs, @queuePos, @idempotencyKey)`,
    ),
    queued: byLimit(PLANNED_SQL.queued, (sql) => prep<[string, number], { id: string }>(db, sql)),
    markTaken: jobRows<[string, number, number, number, string]>(
      db,
      `UPDATE jobs SET status = 'IN_PROGRESS', worker_id = ?, started_at = ?, lease_until = ?,
         deadline_at = ? + execution_timeout_ms
       WHERE id = ? AND status = 'IN_QUEUE' RETURNING *`,
    ),
    requeue: prep<[number, string, string]>(
      db,
      `UPDATE jobs SET status = 'IN_QUEUE', retries = retries + ?, worker_id = NULL, started_at = NULL,
         lease_until = NULL, deadline_at = NULL, output = NULL, has_output = 0
       WHERE id = ? AND status = 'IN_PROGRESS' AND worker_id = ?`,
    ),
    bumpRetried: prep<[string]>(
      db,
      `INSERT INTO endpoint_counters (endpoint_id, retried) VALUES (?, 1)
       ON CONFLICT (endpoint_id) DO UPDATE SET retried = retried + 1`,
    ),
    // The worker writes take an optional endpoint guard (`coalesce(?, endpoint_id)`: NULL checks nothing).
    progress: jobRows<[string, number | null, string, string, string | null]>(
      db,
      `UPDATE jobs SET output = ?, has_output = 1, lease_until = max(lease_until, coalesce(?, lease_until))
       WHERE id = ? AND status = 'IN_PROGRESS' AND worker_id = ? AND endpoint_id = coalesce(?, endpoint_id)
       RETURNING *`,
    ),
    insertChunk: prep<[string, number, string]>(
      db,
      "INSERT INTO chunks (job_id, seq, output) VALUES (?, ?, ?)",
    ),
    bumpStream: jobRows<[number | null, string, string, string | null]>(
      db,
      `UPDATE jobs SET stream_count = stream_count + 1,
         lease_until = max(lease_until, coalesce(?, lease_until))
       WHERE id = ? AND status = 'IN_PROGRESS' AND worker_id = ? AND endpoint_id = coalesce(?, endpoint_id)
       RETURNING *`,
    ),
    chunksAfter: byLimit(
      "SELECT seq, output FROM chunks WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      (sql) => prep<[string, number], { seq: number; output: string }>(db, sql),
    ),
    setDrained: prep<[number, string]>(
      db,
      "UPDATE jobs SET stream_drained = max(stream_drained, ?) WHERE id = ?",
    ),
    finish: jobRows<[Record<string, unknown>]>(
      db,
      `UPDATE jobs SET status = @status, completed_at = @now, retain_until = @now + retention_ms,
         output = @output, has_output = @hasOutput, error = @error, generator = @generator,
         lease_until = NULL, deadline_at = NULL
       WHERE id = @id AND status = 'IN_PROGRESS' AND worker_id = @workerId
         AND endpoint_id = coalesce(@endpointId, endpoint_id)
       RETURNING *`,
    ),
    end: prep<[Record<string, unknown>]>(
      db,
      `UPDATE jobs SET status = @status, completed_at = @now, retain_until = @now + retention_ms,
         output = NULL, has_output = 0, error = @error, lease_until = NULL, deadline_at = NULL
       WHERE id = @id AND status = @from`,
    ),
    retry: prep<[number, string]>(
      db,
      `UPDATE jobs SET status = 'IN_QUEUE', queue_pos = ?, worker_id = NULL, started_at = NULL,
         completed_at = NULL, retain_until = NULL, lease_until = NULL, deadline_at = NULL, output = NULL,
         has_output = 0, error = NULL, stream_count = 0, stream_drained = 0, generator = 0
       WHERE id = ? AND ${statusIn({ type: "retry" })}`,
    ),
    deleteChunks: prep<[string]>(db, "DELETE FROM chunks WHERE job_id = ?"),
    deleteJob: prep<[string]>(db, "DELETE FROM jobs WHERE id = ?"),
    purge: prep<[string], { id: string }>(
      db,
      `DELETE FROM jobs WHERE endpoint_id = ? AND ${statusIn({ type: "purge" })} RETURNING id`,
    ),
    extendLease: prep<[number, string, string]>(
      db,
      `UPDATE jobs SET lease_until = max(coalesce(lease_until, 0), ?)
       WHERE id = ? AND worker_id = ? AND status = 'IN_PROGRESS'`,
    ),
    byWorker: jobRows<[string]>(db, PLANNED_SQL.byWorker),
    loads: prep<[string], { worker_id: string; n: number }>(db, PLANNED_SQL.loads),
    expiredLeases: byLimit(PLANNED_SQL.expiredLeases, (sql) => jobRows<[number]>(db, sql)),
    overdue: byLimit(PLANNED_SQL.overdue, (sql) => jobRows<[number]>(db, sql)),
    pastTtl: byLimit(
      `SELECT * FROM jobs WHERE expires_at <= ? AND ${statusIn({ type: "expire" })} ORDER BY expires_at LIMIT ?`,
      (sql) => jobRows<[number]>(db, sql),
    ),
    pastRetention: byLimit(
      `SELECT id FROM jobs WHERE retain_until <= ? AND ${statusIn({ type: "forget" })}
       ORDER BY retain_until LIMIT ?`,
      (sql) => prep<[number], { id: string }>(db, sql),
    ),
    pruneOutbox: prep<[number]>(
      db,
      "DELETE FROM webhook_outbox WHERE state <> 'pending' AND finished_at <= ?",
    ),
    outboxPrunable: prep<[number], { one: number }>(
      db,
      "SELECT 1 AS one FROM webhook_outbox WHERE state <> 'pending' AND finished_at <= ? LIMIT 1",
    ),
    counts: prep<[string], { status: JobStatus; n: number }>(
      db,
      "SELECT status, n FROM job_status_counts WHERE endpoint_id = ?",
    ),
    retried: prep<[string], { retried: number }>(
      db,
      "SELECT retried FROM endpoint_counters WHERE endpoint_id = ?",
    ),
    // Both read the trigger-kept counters (schema migration 4), not the jobs table.
    queuedCount: prep<[string], { n: number }>(
      db,
      "SELECT n FROM job_status_counts WHERE endpoint_id = ? AND status = 'IN_QUEUE'",
    ),
    queueStats: prep<
      [{ ep: string }],
      { normal: number | null; low: number | null; running: number | null; oldest: number | null }
    >(
      db,
      // Read every supervisor tick, so nothing here may grow with the queue: the totals come from the
      // trigger-kept counters, the oldest wait from the head of the take index, and only low-priority jobs
      // (rare, and never a reason to scale) are counted on the index.
      `SELECT total - low AS normal, low, running, oldest FROM (SELECT
         coalesce((SELECT n FROM job_status_counts WHERE endpoint_id = @ep AND status = 'IN_QUEUE'), 0) AS total,
         (SELECT count(*) FROM jobs WHERE endpoint_id = @ep AND low_priority = 1 AND status = 'IN_QUEUE') AS low,
         coalesce((SELECT n FROM job_status_counts WHERE endpoint_id = @ep AND status = 'IN_PROGRESS'), 0) AS running,
         (SELECT created_at FROM jobs WHERE endpoint_id = @ep AND low_priority = 0 AND status = 'IN_QUEUE'
            ORDER BY queue_pos LIMIT 1) AS oldest)`,
    ),
    enqueueWebhook: prep<[string, string, string, string, number, number]>(
      db,
      `INSERT INTO webhook_outbox (job_id, endpoint_id, url, snapshot, next_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
  };
}

export type JobStatements = ReturnType<typeof prepareJobStatements>;

/** What the parts of the SQLite `JobStore` share. */
export interface SqliteJobsContext {
  s: JobStatements;
  positions: QueuePositions;
  commits: GroupCommit;
}

/** The whole row of a job, or undefined. */
export const rowOf = (c: SqliteJobsContext, id: string): JobRow | undefined => c.s.get.get(id);
