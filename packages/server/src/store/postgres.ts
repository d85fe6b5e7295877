/**
 * The PostgreSQL adapter of `JobStore` (node-postgres `pg.Pool`), for one or many Gantry nodes sharing a database.
 *
 * Public API (kept stable for the multi-node layer):
 * - `openPostgresStore(options)` → `PostgresJobStore`: connects, migrates the schema (unless `migrate: false`,
 *   which instead requires the schema to be at exactly this version) and returns the store.
 * - `PostgresJobStore.pool`: the `pg.Pool` (for LISTEN/NOTIFY, advisory locks…); `PostgresJobStore.schema`:
 *   the schema its tables live in. Ending the pool is `close()`'s job.
 * - `migratePostgres({ connectionString, schema })`: what `gantry migrate` runs.
 * - `redactConnectionString(url)`: the URL with its password masked, for logs and summaries.
 *
 * Concurrency: every status change is one statement that locks the job row and applies the change only from a
 * source state the state machine allows (see `postgres-sql.ts`), so any number of connections and nodes can
 * race on a job and exactly one wins. `take` uses `FOR UPDATE SKIP LOCKED`: many takers, each a different job.
 *
 * Durability is PostgreSQL's: a change is durable once its statement returns (with the server's default
 * `synchronous_commit = on`).
 */
import pg from "pg";
import { isTerminal, type JobRecord, type StreamChunk } from "../domain/job.js";
import { type LifecycleEvent, transition } from "../domain/state-machine.js";
import { postgresClusterStore } from "./postgres-cluster.js";
import {
  assertSchemaName,
  checkSchemaVersion,
  type MigrationResult,
  migrateSchema,
  quoteSchema,
} from "./postgres-migrations.js";
import { type JobRow, json, type OutboxRow, parse, toDelivery, toRecord } from "./postgres-rows.js";
import { buildStatements, type StatementName, type Statements } from "./postgres-sql.js";
import type {
  Change,
  ChunkAppend,
  ClusterStore,
  DrainResult,
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

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database?…` (or `postgresql://`). */
  connectionString: string;
  /** Schema holding Gantry's tables; created by the migration. Default `"gantry"`. */
  schema?: string;
  /** Connections in the pool; default 10. */
  poolSize?: number;
  /** Migrate the schema on open (default true); with false, a schema not at this version is refused. */
  migrate?: boolean;
  /** How long to wait for a connection (new or from a busy pool) before failing; default 15 s. */
  connectTimeoutMs?: number;
  /** Shown in `pg_stat_activity`; default "gantry". */
  applicationName?: string;
  /** Errors of idle pooled connections (e.g. the server restarted); default: ignored, the pool reconnects. */
  onError?: (err: Error) => void;
  /**
   * Use named prepared statements (default true: parsed and planned once per connection). Set false behind a
   * pooler in transaction mode that does not track prepared statements (PgBouncer before 1.21).
   */
  prepare?: boolean;
}

export const DEFAULT_POSTGRES_SCHEMA = "gantry";

/** How long finished webhook rows are kept for inspection. */
const OUTBOX_KEEP_MS = 60 * 60 * 1000;

/** bigint columns hold ms timestamps and counts, all far below 2^53: hand them out as numbers. */
const typeParsers = new pg.TypeOverrides();
typeParsers.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

type Which = JobRow & { which: "cur" | "upd" };
type Refusal = Extract<Change, { ok: false }>;

const refusal = (reason: Refusal["reason"], message: string, row?: JobRow): Refusal =>
  row ? { ok: false, reason, message, job: toRecord(row) } : { ok: false, reason, message };

/** The row before (`cur`) and after (`upd`) a one-statement change. */
function split(rows: Which[]): { cur?: JobRow; upd?: JobRow } {
  const out: { cur?: JobRow; upd?: JobRow } = {};
  for (const r of rows) out[r.which] = r;
  return out;
}

/** A worker may only touch a job it holds; terminal jobs are reported as such (idempotent repeats). */
function notHeld(id: string, workerId: string, row: JobRow | undefined): Refusal | undefined {
  if (!row) return refusal("not-found", `job ${id} not found`);
  if (isTerminal(row.status)) return refusal("already-terminal", `job ${id} is already ${row.status}`, row);
  if (row.status !== "IN_PROGRESS" || row.worker_id !== workerId) {
    return refusal("not-owner", `job ${id} is not held by worker ${workerId}`);
  }
  return undefined;
}

/** Why the state machine refuses `event` on `row`; the SQL guard and this must agree. */
function refusedBy(id: string, row: JobRow, event: LifecycleEvent): Refusal {
  const t = transition(row.status, event);
  if (!t.ok) return refusal(t.reason, t.message, row);
  return refusal("not-allowed", `job ${id} changed concurrently; try again`, row);
}

const clampLimit = (n: number, max: number): number => {
  const v = Math.trunc(Number(n));
  return Number.isFinite(v) ? Math.min(Math.max(1, v), max) : 1;
};

/** The URL with its password replaced by `***` (unparseable input is hidden entirely). */
export function redactConnectionString(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable connection string)";
  }
}

function validateOptions(o: PostgresStoreOptions): { schema: string; poolSize: number } {
  if (typeof o.connectionString !== "string" || !/^postgres(ql)?:\/\/./.test(o.connectionString.trim())) {
    throw new Error("PostgreSQL connection string must be a postgres:// or postgresql:// URL");
  }
  const schema = o.schema ?? DEFAULT_POSTGRES_SCHEMA;
  assertSchemaName(schema);
  const poolSize = o.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    throw new Error(`PostgreSQL poolSize must be an integer 1…1000, got ${String(o.poolSize)}`);
  }
  if (o.connectTimeoutMs !== undefined && (!Number.isInteger(o.connectTimeoutMs) || o.connectTimeoutMs < 1)) {
    throw new Error(
      `PostgreSQL connectTimeoutMs must be a positive integer, got ${String(o.connectTimeoutMs)}`,
    );
  }
  return { schema, poolSize };
}

function createPool(o: PostgresStoreOptions, poolSize: number): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.connectionString.trim(),
    max: poolSize,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 15_000,
    application_name: o.applicationName ?? "gantry",
    keepAlive: true,
    types: typeParsers,
  });
  // Without a listener an idle connection's error (server restart, network cut) would crash the process.
  pool.on("error", (err) => o.onError?.(err));
  return pool;
}

/** A checked-out connection, with a message that says where we tried to connect. */
async function connect(pool: pg.Pool, url: string): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw new Error(
      `cannot connect to PostgreSQL at ${redactConnectionString(url)}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
}

export class PostgresJobStore implements JobStore {
  readonly pool: pg.Pool;
  readonly schema: string;
  private readonly sql: Statements;
  private readonly prepare: boolean;
  private closed = false;

  /** Use `openPostgresStore`, which also migrates or checks the schema. */
  constructor(pool: pg.Pool, schema: string, options: { prepare?: boolean } = {}) {
    assertSchemaName(schema);
    this.prepare = options.prepare !== false;
    this.pool = pool;
    this.schema = schema;
    this.sql = buildStatements(quoteSchema(schema));
  }

  /** Named statements are prepared once per connection, then only bound and executed. */
  private async q<R extends object>(name: StatementName, values: unknown[]): Promise<pg.QueryResult<R>> {
    const text = this.sql[name];
    return this.pool.query<R>(
      this.prepare ? { name: `${this.schema}.${name}`, text, values } : { text, values },
    );
  }

  private async rows<R extends object>(name: StatementName, values: unknown[]): Promise<R[]> {
    return (await this.q<R>(name, values)).rows;
  }

  private async one(name: StatementName, values: unknown[]): Promise<JobRecord | undefined> {
    const [row] = await this.rows<JobRow>(name, values);
    return row ? toRecord(row) : undefined;
  }

  async insert(job: NewJob): Promise<{ job: JobRecord; created: boolean }> {
    const values = [
      job.id,
      job.endpointId,
      job.sync,
      json(job.input),
      job.webhook ?? null,
      job.policy.executionTimeout,
      job.policy.ttl,
      job.policy.lowPriority,
      job.s3Config === undefined ? null : json(job.s3Config),
      job.extra === undefined ? null : json(job.extra),
      job.createdAt,
      job.createdAt + job.policy.ttl,
      job.retentionMs,
      job.idempotencyKey ?? null,
    ];
    // Empty only when a concurrent insert with the same key committed after our snapshot: look again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const [row] = await this.rows<JobRow & { created: boolean }>("insert", values);
      if (row) return { job: toRecord(row), created: row.created };
    }
    throw new Error(`insert of job ${job.id} kept racing a concurrent insert with the same idempotency key`);
  }

  get(id: string): Promise<JobRecord | undefined> {
    return this.one("get", [id]);
  }

  findByIdempotencyKey(endpointId: string, key: string): Promise<JobRecord | undefined> {
    return this.one("byIdempotencyKey", [endpointId, key]);
  }

  async listRecent(endpointId: string, options: ListRecentOptions): Promise<JobRecord[]> {
    const limit = clampLimit(options.limit, LIST_RECENT_MAX);
    const rows =
      options.status === undefined
        ? await this.rows<JobRow>("recent", [endpointId, limit])
        : await this.rows<JobRow>("recentByStatus", [endpointId, options.status, limit]);
    return rows.map(toRecord);
  }

  async take(
    endpointId: string,
    workerId: string,
    max: number,
    now: number,
    leaseUntil: number,
  ): Promise<JobRecord[]> {
    if (!Number.isInteger(max) || max < 1) return [];
    const rows = await this.rows<JobRow>("take", [endpointId, now, max, workerId, leaseUntil]);
    // UPDATE … RETURNING has no order: restore the queue's.
    rows.sort((a, b) => Number(a.low_priority) - Number(b.low_priority) || a.queue_pos - b.queue_pos);
    return rows.map(toRecord);
  }

  async putBack(workerId: string, ids: string[]): Promise<JobRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.rows<JobRow>("putBack", [ids, workerId]);
    const order = new Map(ids.map((id, i) => [id, i]));
    rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    return rows.map(toRecord);
  }

  /** Runs a one-statement change; on refusal, `explain` says why from the row as it was. */
  private async change(
    name: StatementName,
    values: unknown[],
    explain: (cur: JobRow | undefined) => Refusal,
  ): Promise<Change> {
    const { cur, upd } = split(await this.rows<Which>(name, values));
    if (cur && upd) return { ok: true, job: toRecord(upd), previous: cur.status };
    return explain(cur);
  }

  progress(
    id: string,
    workerId: string,
    output: unknown,
    leaseUntil?: number,
    guard?: WorkerWriteGuard,
  ): Promise<Change> {
    return this.change(
      "progress",
      [id, workerId, json(output), leaseUntil ?? null, guard?.endpointId ?? null],
      (cur) => notHeld(id, workerId, cur) ?? refusedBy(id, cur as JobRow, { type: "progress" }),
    );
  }

  async appendChunk(
    id: string,
    workerId: string,
    output: unknown,
    leaseUntil?: number,
    guard?: WorkerWriteGuard,
  ): Promise<ChunkAppend> {
    const r = await this.change(
      "appendChunk",
      [id, workerId, json(output), leaseUntil ?? null, guard?.endpointId ?? null],
      (cur) => notHeld(id, workerId, cur) ?? refusedBy(id, cur as JobRow, { type: "progress" }),
    );
    return r.ok ? { ok: true, seq: r.job.streamCount, job: r.job } : r;
  }

  async readChunks(id: string, afterSeq: number, limit = 1000): Promise<StreamChunk[]> {
    const rows = await this.rows<{ seq: number; output: string }>("readChunks", [
      id,
      Math.trunc(Number(afterSeq)) || 0,
      clampLimit(limit, 100_000),
    ]);
    return rows.map((c) => ({ seq: c.seq, output: JSON.parse(c.output) as unknown }));
  }

  async drain(id: string, limit = 1000): Promise<DrainResult | undefined> {
    const [row] = await this.rows<{ job: JobRow | null; chunks: { seq: number; output: string }[] | null }>(
      "drain",
      [id, clampLimit(limit, 100_000)],
    );
    if (!row?.job) return undefined;
    return {
      job: toRecord(row.job),
      chunks: (row.chunks ?? []).map((c) => ({ seq: c.seq, output: parse(c.output) })),
    };
  }

  finish(
    id: string,
    workerId: string,
    result: FinishRequest,
    now: number,
    guard?: WorkerWriteGuard,
  ): Promise<Change> {
    const event: LifecycleEvent = { type: result.status === "COMPLETED" ? "complete" : "fail" };
    return this.change(
      result.status === "COMPLETED" ? "finishCompleted" : "finishFailed",
      [
        id,
        workerId,
        now,
        result.hasOutput ? json(result.output) : null,
        result.hasOutput,
        result.error === undefined ? null : json(result.error),
        result.generator,
        guard?.endpointId ?? null,
      ],
      (cur) => notHeld(id, workerId, cur) ?? refusedBy(id, cur as JobRow, event),
    );
  }

  cancel(id: string, now: number): Promise<Change> {
    return this.change("cancel", [id, now, null], (cur) =>
      cur ? refusedBy(id, cur, { type: "cancel" }) : refusal("not-found", `job ${id} not found`),
    );
  }

  timeout(id: string, now: number, error: string): Promise<Change> {
    return this.change("timeout", [id, now, json(error)], (cur) =>
      cur ? refusedBy(id, cur, { type: "timeout" }) : refusal("not-found", `job ${id} not found`),
    );
  }

  leaseLost(
    id: string,
    workerId: string,
    maxRetries: number,
    now: number,
    error: string,
    options?: { workerGone?: boolean },
  ): Promise<Change> {
    const gone = options?.workerGone === true;
    return this.change("leaseLost", [id, workerId, maxRetries, now, json(error), gone], (cur) => {
      const not = notHeld(id, workerId, cur);
      if (not) return not;
      const row = cur as JobRow;
      if (!gone && (row.lease_until === null || row.lease_until > now)) {
        return refusal("not-allowed", `the lease of job ${id} was renewed`, row);
      }
      return refusedBy(id, row, { type: "lease-lost", retries: row.retries, maxRetries });
    });
  }

  retry(id: string): Promise<Change> {
    return this.change("retry", [id], (cur) =>
      cur ? refusedBy(id, cur, { type: "retry" }) : refusal("not-found", `job ${id} not found`),
    );
  }

  async purgeQueue(endpointId: string): Promise<string[]> {
    return (await this.rows<{ id: string }>("purge", [endpointId])).map((r) => r.id);
  }

  async extendLeases(workerId: string, ids: string[], leaseUntil: number): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.q("extendLeases", [ids, workerId, leaseUntil])).rowCount ?? 0;
  }

  async listByWorker(workerId: string): Promise<JobRecord[]> {
    return (await this.rows<JobRow>("byWorker", [workerId])).map(toRecord);
  }

  async workerLoads(endpointId: string): Promise<Map<string, number>> {
    const rows = await this.rows<{ worker_id: string; n: number }>("loads", [endpointId]);
    return new Map(rows.map((r) => [r.worker_id, r.n]));
  }

  async expiredLeases(now: number, limit: number): Promise<JobRecord[]> {
    return (await this.rows<JobRow>("expiredLeases", [now, clampLimit(limit, 100_000)])).map(toRecord);
  }

  async executionTimeouts(now: number, limit: number): Promise<JobRecord[]> {
    return (await this.rows<JobRow>("overdue", [now, clampLimit(limit, 100_000)])).map(toRecord);
  }

  async expireTtl(now: number, limit: number): Promise<JobRecord[]> {
    const rows = await this.rows<JobRow>("expireTtl", [now, clampLimit(limit, 100_000)]);
    rows.sort((a, b) => a.expires_at - b.expires_at);
    return rows.map(toRecord);
  }

  async expireRetention(now: number, limit: number): Promise<string[]> {
    const rows = await this.rows<{ id: string }>("expireRetention", [
      now,
      clampLimit(limit, 100_000),
      now - OUTBOX_KEEP_MS,
    ]);
    return rows.map((r) => r.id);
  }

  async counts(endpointId: string): Promise<JobCounts> {
    const by = new Map(
      (await this.rows<{ status: string; n: number }>("counts", [endpointId])).map((r) => [r.status, r.n]),
    );
    return {
      inQueue: by.get("IN_QUEUE") ?? 0,
      inProgress: by.get("IN_PROGRESS") ?? 0,
      completed: by.get("COMPLETED") ?? 0,
      failed: by.get("FAILED") ?? 0,
      cancelled: by.get("CANCELLED") ?? 0,
      timedOut: by.get("TIMED_OUT") ?? 0,
      retried: by.get("RETRIED") ?? 0,
    };
  }

  async queuedCount(endpointId: string, atMost?: number): Promise<number> {
    if (atMost !== undefined && Number.isSafeInteger(atMost) && atMost >= 0) {
      return (await this.rows<{ n: number }>("queuedCountUpTo", [endpointId, atMost]))[0]?.n ?? 0;
    }
    return (await this.rows<{ n: number }>("queuedCount", [endpointId]))[0]?.n ?? 0;
  }

  async queueStats(endpointId: string): Promise<QueueStats> {
    const [r] = await this.rows<{ normal: number; low: number; running: number; oldest: number | null }>(
      "queueStats",
      [endpointId],
    );
    const stats: QueueStats = {
      inQueue: r?.normal ?? 0,
      inQueueLow: r?.low ?? 0,
      inProgress: r?.running ?? 0,
    };
    if (r?.oldest !== null && r?.oldest !== undefined) stats.oldestQueuedAt = r.oldest;
    return stats;
  }

  async dueWebhooks(now: number, limit: number): Promise<WebhookDelivery[]> {
    return (await this.rows<OutboxRow>("dueWebhooks", [now, clampLimit(limit, 100_000)])).map(toDelivery);
  }

  async claimWebhook(id: number, now: number, retryAt: number): Promise<WebhookDelivery | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const [row] = await this.rows<OutboxRow>("claimWebhook", [id, retryAt, now]);
    return row ? toDelivery(row) : undefined;
  }

  async webhookDelivered(id: number, now: number): Promise<void> {
    if (!Number.isSafeInteger(id)) return;
    await this.q("webhookDelivered", [id, now]);
  }

  async webhookFailed(id: number, now: number, error: string, retryAt?: number): Promise<void> {
    if (!Number.isSafeInteger(id)) return;
    if (retryAt === undefined) await this.q("webhookGaveUp", [id, error, now]);
    else await this.q("webhookRetryAt", [id, error, retryAt]);
  }

  async getWebhook(id: number): Promise<WebhookDelivery | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const [row] = await this.rows<OutboxRow>("getWebhook", [id]);
    return row ? toDelivery(row) : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  // ─── cluster state (issue #7, multi-node; see postgres-cluster.ts) ────────────────────────────────────────
  private clusterPart: ClusterStore | undefined;
  private get cluster(): ClusterStore {
    this.clusterPart ??= postgresClusterStore(this.pool, quoteSchema(this.schema));
    return this.clusterPart;
  }
  addStopSignal(workerId: string, jobId: string, now: number): Promise<void> {
    return this.cluster.addStopSignal(workerId, jobId, now);
  }
  takeStopSignals(workerId: string, limit: number): Promise<string[]> {
    return this.cluster.takeStopSignals(workerId, limit);
  }
  clearStopSignals(workerId: string): Promise<void> {
    return this.cluster.clearStopSignals(workerId);
  }
  pruneStopSignals(before: number): Promise<number> {
    return this.cluster.pruneStopSignals(before);
  }
  upsertWorkers(rows: WorkerRow[]): Promise<void> {
    return this.cluster.upsertWorkers(rows);
  }
  listWorkerRows(): Promise<WorkerRow[]> {
    return this.cluster.listWorkerRows();
  }
  deleteWorkerRows(ids: string[]): Promise<void> {
    return this.cluster.deleteWorkerRows(ids);
  }
  acquireLease(name: string, holder: string, now: number, until: number): Promise<boolean> {
    return this.cluster.acquireLease(name, holder, now, until);
  }
  releaseLease(name: string, holder: string): Promise<void> {
    return this.cluster.releaseLease(name, holder);
  }
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresJobStore> {
  const { schema, poolSize } = validateOptions(options);
  const pool = createPool(options, poolSize);
  try {
    const client = await connect(pool, options.connectionString);
    try {
      if (options.migrate === false) await checkSchemaVersion(client, schema);
      else await migrateSchema(client, schema);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return new PostgresJobStore(pool, schema, { prepare: options.prepare !== false });
}

/** `gantry migrate`: brings the schema to this Gantry's version on a short-lived connection. */
export async function migratePostgres(
  options: Pick<PostgresStoreOptions, "connectionString" | "schema" | "connectTimeoutMs" | "applicationName">,
): Promise<MigrationResult> {
  const { schema } = validateOptions(options);
  const pool = createPool(options, 1);
  try {
    const client = await connect(pool, options.connectionString);
    try {
      return await migrateSchema(client, schema);
    } finally {
      client.release();
    }
  } finally {
    await pool.end().catch(() => undefined);
  }
}
