/**
 * Whole `jobs` rows read from SQLite as arrays (`stmt.raw(true)`), mapped to `JobRow` by column position.
 *
 * better-sqlite3 builds a row object by setting each of the 29 columns by name, which costs about as much as the
 * statement itself on the hot path; an array and one positional literal cost a fraction. The price is that the
 * mapping depends on the column order, so every statement is checked against it when it is prepared: a migration
 * that adds, drops or reorders a column fails at start-up (and in every test) instead of mis-mapping rows.
 */
import type Database from "better-sqlite3";
import type { JobRow } from "./job-row.js";

/** The columns of `jobs` in table order: what `SELECT *` and `RETURNING *` yield, and what `rowOf` maps. */
export const JOB_COLUMNS = [
  "id",
  "endpoint_id",
  "status",
  "sync",
  "input",
  "webhook",
  "execution_timeout_ms",
  "ttl_ms",
  "low_priority",
  "s3_config",
  "extra",
  "created_at",
  "started_at",
  "completed_at",
  "expires_at",
  "retention_ms",
  "retain_until",
  "worker_id",
  "output",
  "has_output",
  "error",
  "retries",
  "stream_count",
  "stream_drained",
  "generator",
  "lease_until",
  "deadline_at",
  "queue_pos",
  "idempotency_key",
] as const;

// biome-ignore lint/suspicious/noExplicitAny: a raw row is untyped by nature; `JOB_COLUMNS` checks its shape.
type Raw = any[];

/** One array row to `JobRow`; the positions are those of `JOB_COLUMNS`. */
export function rowOf(a: Raw): JobRow {
  return {
    id: a[0],
    endpoint_id: a[1],
    status: a[2],
    sync: a[3],
    input: a[4],
    webhook: a[5],
    execution_timeout_ms: a[6],
    ttl_ms: a[7],
    low_priority: a[8],
    s3_config: a[9],
    extra: a[10],
    created_at: a[11],
    started_at: a[12],
    completed_at: a[13],
    expires_at: a[14],
    retention_ms: a[15],
    retain_until: a[16],
    worker_id: a[17],
    output: a[18],
    has_output: a[19],
    error: a[20],
    retries: a[21],
    stream_count: a[22],
    stream_drained: a[23],
    generator: a[24],
    lease_until: a[25],
    deadline_at: a[26],
    queue_pos: a[27],
    idempotency_key: a[28],
  };
}

/** Throws unless the statement yields exactly `JOB_COLUMNS`, in that order. */
export function assertJobColumns(stmt: Database.Statement, sql: string): void {
  const names = stmt.columns().map((c) => c.name);
  if (names.length !== JOB_COLUMNS.length || names.some((n, i) => n !== JOB_COLUMNS[i])) {
    throw new Error(
      `jobs columns changed: expected [${JOB_COLUMNS.join(", ")}], got [${names.join(", ")}] from: ${sql.trim()}. ` +
        "Update JOB_COLUMNS and rowOf in store/sqlite-rows.ts.",
    );
  }
}

/** A prepared statement that returns whole `jobs` rows, read in raw mode. */
export interface JobRows<P extends unknown[]> {
  get(...params: P): JobRow | undefined;
  all(...params: P): JobRow[];
}

export function prepareJobRows<P extends unknown[]>(db: Database.Database, sql: string): JobRows<P> {
  const stmt = db.prepare(sql);
  assertJobColumns(stmt, sql);
  stmt.raw(true);
  return {
    get: (...params) => {
      const a = stmt.get(...params) as Raw | undefined;
      return a === undefined ? undefined : rowOf(a);
    },
    all: (...params) => (stmt.all(...params) as Raw[]).map(rowOf),
  };
}
