/**
 * The SQLite adapter of `JobStore` (better-sqlite3).
 *
 * Durability: WAL with `synchronous=NORMAL`. A crash of the Gantry process loses nothing committed;
 * on power loss or an OS crash the last few commits may roll back (the database stays consistent).
 * We accept that trade for a much cheaper commit on the hot take/done path.
 *
 * better-sqlite3 is synchronous and one connection serves the process, so each method body runs atomically with
 * no interleaving; the conditional `WHERE status = ?` clauses still spell out the contract a multi-connection
 * adapter (PostgreSQL) must keep. Writes of one event-loop turn share one commit (sqlite-group-commit.ts); no
 * call resolves before its change is committed.
 *
 * `":memory:"` is the same implementation over an in-memory database (tests and `gantry dev`).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { isTerminal, type JobRecord, type JobStatus, type StreamChunk } from "../domain/job.js";
import { type LifecycleEvent, sourcesOf, transition } from "../domain/state-machine.js";
import { deliveryOf, flag, type JobRow, json, type OutboxRow, parse, toRecord } from "./job-row.js";
import { WalCheckpointer } from "./sqlite-checkpointer.js";
import { sqliteClusterStore } from "./sqlite-cluster.js";
import { GroupCommit } from "./sqlite-group-commit.js";
import { byLimit } from "./sqlite-limit.js";
import { QueuePositions } from "./sqlite-queue-pos.js";
import { prepareJobRows as jobRows } from "./sqlite-rows.js";
import { migrate } from "./sqlite-schema.js";
import type {
  Change,
  ChunkAppend,
  ClusterStore,
  DrainResult,
  FeedState,
  FinishRequest,
  JobCounts,
  JobStore,
  ListRecentOptions,
  NewJob,
  QueueStats,
  WebhookDelivery,
  WorkerRow,
  WorkerWriteGuard,
} from "./store.js";
import { LIST_RECENT_MAX } from "./store.js";

/** The outbox snapshot is the `JobRecord` as it was when the job became terminal. */
const toDelivery = (r: OutboxRow): WebhookDelivery => deliveryOf(r, JSON.parse(r.snapshot) as JobRecord);

/** `status IN (…)` for a bulk change, derived from the state machine so SQL and rules cannot drift. */
const statusIn = (event: LifecycleEvent): string =>
  `status IN (${sourcesOf(event)
    .map((s) => `'${s}'`)
    .join(", ")})`;

// The conditional writes below encode these rules in their WHERE clauses; checked once against the state machine.
const TAKE_ALLOWED = transition("IN_QUEUE", { type: "take" }).ok;
const PROGRESS_ALLOWED = transition("IN_PROGRESS", { type: "progress" }).ok;

const refusal = (reason: Extract<Change, { ok: false }>["reason"], message: string, row?: JobRow): Change =>
  row ? { ok: false, reason, message, job: toRecord(row) } : { ok: false, reason, message };

/** How long finished webhook rows are kept for inspection. */
const OUTBOX_KEEP_MS = 60 * 60 * 1000;

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

function prepareStatements(db: Database.Database) {
  return {
    get: jobRows<[string]>(db, "SELECT * FROM jobs WHERE id = ?"),
    feedState: db.prepare<[string], { status: JobStatus; progress: string | null }>(
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
    insert: db.prepare(
      `INSERT INTO jobs (id, endpoint_id, status, sync, input, webhook, execution_timeout_ms, ttl_ms, low_priority,
         s3_config, extra, created_at, expires_at, retention_ms, queue_pos, idempotency_key)
       VALUES (@id, @endpointId, 'IN_QUEUE', @sync, @input, @webhook, @executionTimeout, @ttl, @lowPriority,
         @s3Config, @extra, @createdAt, @expiresAt, @retentionMs, @queuePos, @idempotencyKey)`,
    ),
    queued: byLimit(PLANNED_SQL.queued, (sql) => db.prepare<[string, number], { id: string }>(sql)),
    markTaken: jobRows<[string, number, number, number, string]>(
      db,
      `UPDATE jobs SET status = 'IN_PROGRESS', worker_id = ?, started_at = ?, lease_until = ?,
         deadline_at = ? + execution_timeout_ms
       WHERE id = ? AND status = 'IN_QUEUE' RETURNING *`,
    ),
    requeue: db.prepare<[number, string, string]>(
      `UPDATE jobs SET status = 'IN_QUEUE', retries = retries + ?, worker_id = NULL, started_at = NULL,
         lease_until = NULL, deadline_at = NULL, output = NULL, has_output = 0
       WHERE id = ? AND status = 'IN_PROGRESS' AND worker_id = ?`,
    ),
    bumpRetried: db.prepare<[string]>(
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
    insertChunk: db.prepare<[string, number, string]>(
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
      (sql) => db.prepare<[string, number], { seq: number; output: string }>(sql),
    ),
    setDrained: db.prepare<[number, string]>(
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
    end: db.prepare(
      `UPDATE jobs SET status = @status, completed_at = @now, retain_until = @now + retention_ms,
         output = NULL, has_output = 0, error = @error, lease_until = NULL, deadline_at = NULL
       WHERE id = @id AND status = @from`,
    ),
    retry: db.prepare<[number, string]>(
      `UPDATE jobs SET status = 'IN_QUEUE', queue_pos = ?, worker_id = NULL, started_at = NULL,
         completed_at = NULL, retain_until = NULL, lease_until = NULL, deadline_at = NULL, output = NULL,
         has_output = 0, error = NULL, stream_count = 0, stream_drained = 0, generator = 0
       WHERE id = ? AND ${statusIn({ type: "retry" })}`,
    ),
    deleteChunks: db.prepare<[string]>("DELETE FROM chunks WHERE job_id = ?"),
    deleteJob: db.prepare<[string]>("DELETE FROM jobs WHERE id = ?"),
    purge: db.prepare<[string], { id: string }>(
      `DELETE FROM jobs WHERE endpoint_id = ? AND ${statusIn({ type: "purge" })} RETURNING id`,
    ),
    extendLease: db.prepare<[number, string, string]>(
      `UPDATE jobs SET lease_until = max(coalesce(lease_until, 0), ?)
       WHERE id = ? AND worker_id = ? AND status = 'IN_PROGRESS'`,
    ),
    byWorker: jobRows<[string]>(db, PLANNED_SQL.byWorker),
    loads: db.prepare<[string], { worker_id: string; n: number }>(PLANNED_SQL.loads),
    expiredLeases: byLimit(PLANNED_SQL.expiredLeases, (sql) => jobRows<[number]>(db, sql)),
    overdue: byLimit(PLANNED_SQL.overdue, (sql) => jobRows<[number]>(db, sql)),
    pastTtl: byLimit(
      `SELECT * FROM jobs WHERE expires_at <= ? AND ${statusIn({ type: "expire" })} ORDER BY expires_at LIMIT ?`,
      (sql) => jobRows<[number]>(db, sql),
    ),
    pastRetention: byLimit(
      `SELECT id FROM jobs WHERE retain_until <= ? AND ${statusIn({ type: "forget" })}
       ORDER BY retain_until LIMIT ?`,
      (sql) => db.prepare<[number], { id: string }>(sql),
    ),
    pruneOutbox: db.prepare<[number]>(
      "DELETE FROM webhook_outbox WHERE state <> 'pending' AND finished_at <= ?",
    ),
    outboxPrunable: db.prepare<[number], { one: number }>(
      "SELECT 1 AS one FROM webhook_outbox WHERE state <> 'pending' AND finished_at <= ? LIMIT 1",
    ),
    counts: db.prepare<[string], { status: JobStatus; n: number }>(
      "SELECT status, n FROM job_status_counts WHERE endpoint_id = ?",
    ),
    retried: db.prepare<[string], { retried: number }>(
      "SELECT retried FROM endpoint_counters WHERE endpoint_id = ?",
    ),
    // Both read the trigger-kept counters (schema migration 4), not the jobs table.
    queuedCount: db.prepare<[string], { n: number }>(
      "SELECT n FROM job_status_counts WHERE endpoint_id = ? AND status = 'IN_QUEUE'",
    ),
    queueStats: db.prepare<
      [{ ep: string }],
      { normal: number | null; low: number | null; running: number | null; oldest: number | null }
    >(
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
    enqueueWebhook: db.prepare<[string, string, string, string, number, number]>(
      `INSERT INTO webhook_outbox (job_id, endpoint_id, url, snapshot, next_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    dueWebhooks: byLimit(
      "SELECT * FROM webhook_outbox WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?",
      (sql) => db.prepare<[number], OutboxRow>(sql),
    ),
    claimWebhook: db.prepare<[number, number, number], OutboxRow>(
      `UPDATE webhook_outbox SET attempts = attempts + 1, next_at = ?
       WHERE id = ? AND state = 'pending' AND next_at <= ? RETURNING *`,
    ),
    webhookDelivered: db.prepare<[number, number]>(
      "UPDATE webhook_outbox SET state = 'delivered', finished_at = ? WHERE id = ? AND state = 'pending'",
    ),
    webhookRetryAt: db.prepare<[string, number, number]>(
      "UPDATE webhook_outbox SET last_error = ?, next_at = ? WHERE id = ? AND state = 'pending'",
    ),
    webhookGaveUp: db.prepare<[string, number, number]>(
      `UPDATE webhook_outbox SET state = 'failed', last_error = ?, finished_at = ?
       WHERE id = ? AND state = 'pending'`,
    ),
    getWebhook: db.prepare<[number], OutboxRow>("SELECT * FROM webhook_outbox WHERE id = ?"),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

export interface SqliteStoreOptions {
  /** A file path (its directory is created) or `":memory:"`. */
  path: string;
}

export class SqliteJobStore implements JobStore {
  /** Writes run synchronously inside the group commit (see `JobStore.inlineWrites`). */
  readonly inlineWrites = true;
  private readonly db: Database.Database;
  private readonly s: Statements;
  private readonly commits: GroupCommit;
  private readonly positions: QueuePositions;
  /** Checkpoints the WAL on a worker thread, so no commit on the event loop pays for one (issue #6). */
  private readonly checkpoints: WalCheckpointer;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    migrate(this.db);
    this.s = prepareStatements(this.db);
    this.checkpoints = new WalCheckpointer(this.db);
    this.commits = new GroupCommit(this.db, () => this.checkpoints.afterCommit());
    this.positions = new QueuePositions(this.db);
  }

  private row(id: string): JobRow | undefined {
    return this.s.get.get(id);
  }

  /**
   * A worker may only touch a job it holds; terminal jobs are reported as such (idempotent repeats). A job on
   * another endpoint than `guard.endpointId` is not found (ids are global, worker routes are per endpoint).
   */
  private held(
    id: string,
    workerId: string,
    guard?: WorkerWriteGuard,
  ): { row: JobRow } | Extract<Change, { ok: false }> {
    const row = this.row(id);
    if (!row || (guard?.endpointId !== undefined && row.endpoint_id !== guard.endpointId)) {
      return { ok: false, reason: "not-found", message: `job ${id} not found` };
    }
    if (isTerminal(row.status)) {
      return {
        ok: false,
        reason: "already-terminal",
        message: `job ${id} is already ${row.status}`,
        job: toRecord(row),
      };
    }
    if (row.status !== "IN_PROGRESS" || row.worker_id !== workerId) {
      return { ok: false, reason: "not-owner", message: `job ${id} is not held by worker ${workerId}` };
    }
    return { row };
  }

  /** Adds the outbox row of a job that just became terminal (same transaction as the change). */
  private afterTerminal(id: string, now: number, row = this.row(id) as JobRow): JobRecord {
    const job = toRecord(row);
    if (job.webhook) {
      this.s.enqueueWebhook.run(job.id, job.endpointId, job.webhook, JSON.stringify(job), now, now);
    }
    return job;
  }

  private tx<T>(fn: () => T): Promise<T> {
    return this.commits.write(fn);
  }

  /** Reads need no transaction of their own: one statement is atomic, and nothing interleaves in-process. */
  private read<T>(fn: () => T): Promise<T> {
    return this.commits.read(fn);
  }

  insert(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    return this.tx(() => {
      if (job.idempotencyKey !== undefined) {
        const existing = this.s.byIdempotencyKey.get(job.endpointId, job.idempotencyKey);
        if (existing) return { job: toRecord(existing), created: false };
      }
      const queuePos = this.positions.next();
      // No `RETURNING *`: reading the row back cost more than the insert itself. The row is what we wrote
      // plus the schema's defaults (a conformance case checks it equals what `get` reads).
      const row: JobRow = {
        id: job.id,
        endpoint_id: job.endpointId,
        status: "IN_QUEUE",
        sync: job.sync ? 1 : 0,
        input: json(job.input),
        webhook: job.webhook ?? null,
        execution_timeout_ms: job.policy.executionTimeout,
        ttl_ms: job.policy.ttl,
        low_priority: job.policy.lowPriority ? 1 : 0,
        s3_config: job.s3Config === undefined ? null : json(job.s3Config),
        extra: job.extra === undefined ? null : json(job.extra),
        created_at: job.createdAt,
        started_at: null,
        completed_at: null,
        expires_at: job.createdAt + job.policy.ttl,
        retention_ms: job.retentionMs,
        retain_until: null,
        worker_id: null,
        output: null,
        has_output: 0,
        error: null,
        retries: 0,
        stream_count: 0,
        stream_drained: 0,
        generator: 0,
        lease_until: null,
        deadline_at: null,
        queue_pos: queuePos,
        idempotency_key: job.idempotencyKey ?? null,
      };
      this.s.insert.run({
        id: row.id,
        endpointId: row.endpoint_id,
        sync: row.sync,
        input: row.input,
        webhook: row.webhook,
        executionTimeout: row.execution_timeout_ms,
        ttl: row.ttl_ms,
        lowPriority: row.low_priority,
        s3Config: row.s3_config,
        extra: row.extra,
        createdAt: row.created_at,
        expiresAt: row.expires_at,
        retentionMs: row.retention_ms,
        queuePos,
        idempotencyKey: row.idempotency_key,
      });
      return { job: toRecord(row), created: true };
    });
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.read(() => {
      const row = this.row(id);
      return row ? toRecord(row) : undefined;
    });
  }

  feedState(id: string): Promise<FeedState | undefined> {
    return this.read(() => {
      const r = this.s.feedState.get(id);
      if (!r) return undefined;
      return r.progress === null ? { status: r.status } : { status: r.status, progress: r.progress };
    });
  }

  findByIdempotencyKey(endpointId: string, key: string): Promise<JobRecord | undefined> {
    return this.read(() => {
      const row = this.s.byIdempotencyKey.get(endpointId, key);
      return row ? toRecord(row) : undefined;
    });
  }

  listRecent(endpointId: string, options: ListRecentOptions): Promise<JobRecord[]> {
    const raw = Math.trunc(Number(options.limit));
    const limit = Number.isFinite(raw) ? Math.min(Math.max(1, raw), LIST_RECENT_MAX) : 1;
    return this.read(() =>
      (options.status === undefined
        ? this.s.recent(limit).all(endpointId)
        : this.s.recentByStatus(limit).all(endpointId, options.status)
      ).map(toRecord),
    );
  }

  take(
    endpointId: string,
    workerId: string,
    max: number,
    now: number,
    leaseUntil: number,
  ): Promise<JobRecord[]> {
    if (!Number.isInteger(max) || max < 1) return Promise.resolve([]);
    // Every row `queued` selects is IN_QUEUE; `markTaken` re-checks that in its WHERE. The look-up runs before
    // any transaction: most takes of an idle fleet find nothing, and those need no write batch (nor its
    // commit). Nothing runs between it and the writes below (one synchronous call on one connection).
    const queued = TAKE_ALLOWED ? this.s.queued(max).all(endpointId, now) : [];
    if (queued.length === 0) return this.read(() => []);
    return this.tx(() => {
      const taken: JobRecord[] = [];
      for (const { id } of queued) {
        const row = this.s.markTaken.get(workerId, now, leaseUntil, now, id);
        if (row) taken.push(toRecord(row));
      }
      return taken;
    });
  }

  putBack(workerId: string, ids: string[]): Promise<JobRecord[]> {
    return this.tx(() => {
      const back: JobRecord[] = [];
      for (const id of ids) {
        const h = this.held(id, workerId);
        if (!("row" in h)) continue;
        if (!transition(h.row.status, { type: "put-back" }).ok) continue;
        if (this.s.requeue.run(0, id, workerId).changes === 1) back.push(toRecord(this.row(id) as JobRow));
      }
      return back;
    });
  }

  // progress, appendChunk and finish write first, conditionally on the holder, and read the row only when the
  // write was refused, to say why: the common case is one statement instead of a read, a decode and a write.

  progress(
    id: string,
    workerId: string,
    output: unknown,
    leaseUntil?: number,
    guard?: WorkerWriteGuard,
  ): Promise<Change> {
    return this.tx((): Change => {
      const row = PROGRESS_ALLOWED
        ? this.s.progress.get(json(output), leaseUntil ?? null, id, workerId, guard?.endpointId ?? null)
        : undefined;
      if (row) return { ok: true, job: toRecord(row), previous: "IN_PROGRESS" };
      return this.refused(id, workerId, "progress", guard);
    });
  }

  appendChunk(
    id: string,
    workerId: string,
    output: unknown,
    leaseUntil?: number,
    guard?: WorkerWriteGuard,
  ): Promise<ChunkAppend> {
    return this.tx((): ChunkAppend => {
      // A chunk is in-progress activity, like progress: allowed exactly where progress is.
      const row = PROGRESS_ALLOWED
        ? this.s.bumpStream.get(leaseUntil ?? null, id, workerId, guard?.endpointId ?? null)
        : undefined;
      if (!row) return this.refused(id, workerId, "progress", guard) as Extract<Change, { ok: false }>;
      this.s.insertChunk.run(id, row.stream_count, json(output));
      return { ok: true, seq: row.stream_count, job: toRecord(row) };
    });
  }

  /** Why a holder-conditional write changed nothing: the precise refusal, from the row as it is. */
  private refused(
    id: string,
    workerId: string,
    event: "progress" | "complete" | "fail",
    guard?: WorkerWriteGuard,
  ): Change {
    const h = this.held(id, workerId, guard);
    if (!("row" in h)) return h;
    const t = transition(h.row.status, { type: event });
    return refusal("not-allowed", t.ok ? `job ${id} changed concurrently` : t.message, h.row);
  }

  readChunks(id: string, afterSeq: number, limit = 1000): Promise<StreamChunk[]> {
    return this.read(() =>
      this.s
        .chunksAfter(limit)
        .all(id, afterSeq)
        .map((c) => ({ seq: c.seq, output: JSON.parse(c.output) })),
    );
  }

  drain(id: string, limit = 1000): Promise<DrainResult | undefined> {
    return this.tx(() => {
      const row = this.row(id);
      if (!row) return undefined;
      const chunks = this.s
        .chunksAfter(limit)
        .all(id, row.stream_drained)
        .map((c) => ({ seq: c.seq, output: JSON.parse(c.output) as unknown }));
      const last = chunks.at(-1);
      if (last) {
        this.s.setDrained.run(last.seq, id);
      } else if (
        row.status === "COMPLETED" &&
        row.stream_count === 0 &&
        row.stream_drained === 0 &&
        flag(row.has_output) &&
        !flag(row.generator)
      ) {
        // A non-generator job: its output is the one and only "chunk".
        chunks.push({ seq: 1, output: parse(row.output) });
        this.s.setDrained.run(1, id);
      }
      return { job: toRecord(this.row(id) as JobRow), chunks };
    });
  }

  finish(
    id: string,
    workerId: string,
    result: FinishRequest,
    now: number,
    guard?: WorkerWriteGuard,
  ): Promise<Change> {
    return this.tx((): Change => {
      const event = result.status === "COMPLETED" ? "complete" : "fail";
      const t = transition("IN_PROGRESS", { type: event });
      const row = t.ok
        ? (this.s.finish.get({
            id,
            workerId,
            now,
            status: t.to,
            output: result.hasOutput ? json(result.output) : null,
            hasOutput: result.hasOutput ? 1 : 0,
            error: result.error === undefined ? null : json(result.error),
            generator: result.generator ? 1 : 0,
            endpointId: guard?.endpointId ?? null,
          }) as JobRow | undefined)
        : undefined;
      if (row) return { ok: true, job: this.afterTerminal(id, now, row), previous: "IN_PROGRESS" };
      return this.refused(id, workerId, event, guard);
    });
  }

  /** cancel and execution timeout: end a live job without a result from the worker. */
  private end(id: string, event: LifecycleEvent, now: number, error: string | null): Change {
    const row = this.row(id);
    if (!row) return refusal("not-found", `job ${id} not found`);
    const t = transition(row.status, event);
    if (!t.ok) return refusal(t.reason, t.message, row);
    this.s.end.run({ id, from: row.status, status: t.to, now, error: error === null ? null : json(error) });
    return { ok: true, job: this.afterTerminal(id, now), previous: row.status };
  }

  cancel(id: string, now: number): Promise<Change> {
    return this.tx(() => this.end(id, { type: "cancel" }, now, null));
  }

  timeout(id: string, now: number, error: string): Promise<Change> {
    return this.tx(() => this.end(id, { type: "timeout" }, now, error));
  }

  leaseLost(
    id: string,
    workerId: string,
    maxRetries: number,
    now: number,
    error: string,
    options?: { workerGone?: boolean },
  ): Promise<Change> {
    return this.tx((): Change => {
      const h = this.held(id, workerId);
      if (!("row" in h)) return h;
      const row = h.row;
      if (options?.workerGone !== true && (row.lease_until === null || row.lease_until > now)) {
        return refusal("not-allowed", `the lease of job ${id} was renewed`, row);
      }
      const t = transition(row.status, { type: "lease-lost", retries: row.retries, maxRetries });
      if (!t.ok) return refusal(t.reason, t.message, row);
      if (t.to === "IN_QUEUE") {
        this.s.requeue.run(1, id, workerId);
        this.s.bumpRetried.run(row.endpoint_id);
        return { ok: true, job: toRecord(this.row(id) as JobRow), previous: row.status };
      }
      this.s.end.run({ id, from: row.status, status: t.to, now, error: json(error) });
      return { ok: true, job: this.afterTerminal(id, now), previous: row.status };
    });
  }

  retry(id: string): Promise<Change> {
    return this.tx((): Change => {
      const row = this.row(id);
      if (!row) return refusal("not-found", `job ${id} not found`);
      const t = transition(row.status, { type: "retry" });
      if (!t.ok) return refusal(t.reason, t.message, row);
      const queuePos = this.positions.next();
      this.s.retry.run(queuePos, id);
      this.s.deleteChunks.run(id);
      return { ok: true, job: toRecord(this.row(id) as JobRow), previous: row.status };
    });
  }

  purgeQueue(endpointId: string): Promise<string[]> {
    return this.tx(() => this.s.purge.all(endpointId).map((r) => r.id));
  }

  extendLeases(workerId: string, ids: string[], leaseUntil: number): Promise<number> {
    return this.tx(() => {
      let n = 0;
      for (const id of ids) n += this.s.extendLease.run(leaseUntil, id, workerId).changes;
      return n;
    });
  }

  listByWorker(workerId: string): Promise<JobRecord[]> {
    return this.read(() => this.s.byWorker.all(workerId).map(toRecord));
  }

  workerLoads(endpointId: string): Promise<Map<string, number>> {
    return this.read(() => new Map(this.s.loads.all(endpointId).map((r) => [r.worker_id, r.n])));
  }

  expiredLeases(now: number, limit: number): Promise<JobRecord[]> {
    return this.read(() => this.s.expiredLeases(limit).all(now).map(toRecord));
  }

  executionTimeouts(now: number, limit: number): Promise<JobRecord[]> {
    return this.read(() => this.s.overdue(limit).all(now).map(toRecord));
  }

  // The sweeps look before they open a write batch: on an idle server nothing is due, and a commit every
  // sweep (twice a second) also woke the checkpointer thread for nothing.
  expireTtl(now: number, limit: number): Promise<JobRecord[]> {
    if (this.s.pastTtl(1).all(now).length === 0) return this.read(() => []);
    return this.tx(() =>
      this.s
        .pastTtl(limit)
        .all(now)
        .map((row) => {
          this.s.deleteChunks.run(row.id);
          this.s.deleteJob.run(row.id);
          return toRecord(row);
        }),
    );
  }

  expireRetention(now: number, limit: number): Promise<string[]> {
    const outboxCutoff = now - OUTBOX_KEEP_MS;
    if (
      this.s.pastRetention(1).all(now).length === 0 &&
      this.s.outboxPrunable.get(outboxCutoff) === undefined
    ) {
      return this.read(() => []);
    }
    return this.tx(() => {
      const ids = this.s
        .pastRetention(limit)
        .all(now)
        .map((r) => r.id);
      for (const id of ids) {
        this.s.deleteChunks.run(id);
        this.s.deleteJob.run(id);
      }
      this.s.pruneOutbox.run(outboxCutoff);
      return ids;
    });
  }

  counts(endpointId: string): Promise<JobCounts> {
    return this.tx(() => {
      const by = new Map(this.s.counts.all(endpointId).map((r) => [r.status, r.n]));
      return {
        inQueue: by.get("IN_QUEUE") ?? 0,
        inProgress: by.get("IN_PROGRESS") ?? 0,
        completed: by.get("COMPLETED") ?? 0,
        failed: by.get("FAILED") ?? 0,
        cancelled: by.get("CANCELLED") ?? 0,
        timedOut: by.get("TIMED_OUT") ?? 0,
        retried: this.s.retried.get(endpointId)?.retried ?? 0,
      };
    });
  }

  queuedCount(endpointId: string): Promise<number> {
    return this.read(() => this.s.queuedCount.get(endpointId)?.n ?? 0);
  }

  queueStats(endpointId: string): Promise<QueueStats> {
    return this.read(() => {
      const r = this.s.queueStats.get({ ep: endpointId });
      const stats: QueueStats = {
        inQueue: r?.normal ?? 0,
        inQueueLow: r?.low ?? 0,
        inProgress: r?.running ?? 0,
      };
      if (r?.oldest !== null && r?.oldest !== undefined) stats.oldestQueuedAt = r.oldest;
      return stats;
    });
  }

  dueWebhooks(now: number, limit: number): Promise<WebhookDelivery[]> {
    return this.read(() => this.s.dueWebhooks(limit).all(now).map(toDelivery));
  }

  claimWebhook(id: number, now: number, retryAt: number): Promise<WebhookDelivery | undefined> {
    return this.tx(() => {
      const row = this.s.claimWebhook.get(retryAt, id, now);
      return row ? toDelivery(row) : undefined;
    });
  }

  webhookDelivered(id: number, now: number): Promise<void> {
    return this.tx(() => {
      this.s.webhookDelivered.run(now, id);
    });
  }

  webhookFailed(id: number, now: number, error: string, retryAt?: number): Promise<void> {
    return this.tx(() => {
      if (retryAt === undefined) this.s.webhookGaveUp.run(error, now, id);
      else this.s.webhookRetryAt.run(error, retryAt, id);
    });
  }

  getWebhook(id: number): Promise<WebhookDelivery | undefined> {
    return this.read(() => {
      const row = this.s.getWebhook.get(id);
      return row ? toDelivery(row) : undefined;
    });
  }

  close(): Promise<void> {
    if (this.db.open) {
      this.commits.dispose();
      this.db.close();
    }
    return this.checkpoints.close();
  }

  // ─── cluster state (issue #7; see sqlite-cluster.ts) ───────────────────────────────────────────────────────
  // Their writes may land in an open group-commit batch: each resolves only after that batch committed.
  private clusterPart: ClusterStore | undefined;
  private get cluster(): ClusterStore {
    this.clusterPart ??= sqliteClusterStore(this.db, (fn) => this.commits.write(fn));
    return this.clusterPart;
  }
  addStopSignal(workerId: string, jobId: string, now: number): Promise<void> {
    return this.cluster.addStopSignal(workerId, jobId, now).then((v) => this.commits.settle(v));
  }
  takeStopSignals(workerId: string, limit: number): Promise<string[]> {
    return this.cluster.takeStopSignals(workerId, limit).then((v) => this.commits.settle(v));
  }
  clearStopSignals(workerId: string): Promise<void> {
    return this.cluster.clearStopSignals(workerId).then((v) => this.commits.settle(v));
  }
  pruneStopSignals(before: number): Promise<number> {
    return this.cluster.pruneStopSignals(before).then((v) => this.commits.settle(v));
  }
  upsertWorkers(rows: WorkerRow[]): Promise<void> {
    return this.cluster.upsertWorkers(rows).then((v) => this.commits.settle(v));
  }
  listWorkerRows(): Promise<WorkerRow[]> {
    return this.cluster.listWorkerRows().then((v) => this.commits.settle(v));
  }
  deleteWorkerRows(ids: string[]): Promise<void> {
    return this.cluster.deleteWorkerRows(ids).then((v) => this.commits.settle(v));
  }
  acquireLease(name: string, holder: string, now: number, until: number): Promise<boolean> {
    return this.cluster.acquireLease(name, holder, now, until).then((v) => this.commits.settle(v));
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return this.cluster.releaseLease(name, holder).then((v) => this.commits.settle(v));
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteJobStore> {
  return new SqliteJobStore(options);
}
