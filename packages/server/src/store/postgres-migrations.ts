/**
 * PostgreSQL schema as an ordered list of migrations, each a function of the (validated, quoted) schema name.
 * `schema_version` holds one row per applied migration. Append new migrations, never edit applied ones.
 *
 * Migrating runs in ONE transaction behind `pg_advisory_xact_lock` keyed on the schema name, so several nodes
 * starting together (or `gantry migrate` racing a start-up) apply each migration exactly once: the others wait
 * for the lock, then find nothing left to do.
 *
 * Column choices:
 * - JSON payloads (`input`, `output`, `error`, chunks, …) are `text`, not `jsonb`: the store never queries
 *   inside them, and text keeps what the client sent byte for byte (jsonb reorders object keys, drops duplicate
 *   keys and refuses `\u0000` in strings), and skips a parse and re-serialisation on every write and read.
 * - Times are `bigint` ms since the epoch, like the rest of Gantry (the store never reads a clock).
 */
import type { PoolClient } from "pg";
import { clusterMigration } from "./postgres-cluster.js";

/** Valid unquoted identifier we accept as a schema name (quoted anyway; this keeps it free of quotes). */
export const SCHEMA_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function assertSchemaName(schema: string): void {
  if (typeof schema !== "string" || !SCHEMA_NAME_PATTERN.test(schema)) {
    throw new Error(
      `invalid PostgreSQL schema name ${JSON.stringify(schema)}: use letters, digits and _ (max 63, not starting with a digit)`,
    );
  }
}

/** `"schema"` — safe because the name matched `SCHEMA_NAME_PATTERN`. */
export const quoteSchema = (schema: string): string => `"${schema}"`;

const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `
  CREATE SEQUENCE ${s}.job_queue_pos AS bigint;

  CREATE TABLE ${s}.jobs (
    id                    text PRIMARY KEY,
    endpoint_id           text NOT NULL,
    status                text NOT NULL CHECK (status IN
                            ('IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT')),
    sync                  boolean NOT NULL,
    input                 text NOT NULL,           -- JSON
    webhook               text,
    execution_timeout_ms  bigint NOT NULL,
    ttl_ms                bigint NOT NULL,
    low_priority          boolean NOT NULL,
    s3_config             text,                    -- JSON
    extra                 text,                    -- JSON object
    created_at            bigint NOT NULL,
    started_at            bigint,
    completed_at          bigint,
    expires_at            bigint NOT NULL,
    retention_ms          bigint NOT NULL,
    retain_until          bigint,
    worker_id             text,
    output                text,                    -- JSON, meaningful when has_output
    has_output            boolean NOT NULL DEFAULT false,
    error                 text,                    -- JSON
    retries               integer NOT NULL DEFAULT 0,
    stream_count          integer NOT NULL DEFAULT 0,
    stream_drained        integer NOT NULL DEFAULT 0,
    generator             boolean NOT NULL DEFAULT false,
    lease_until           bigint,
    deadline_at           bigint,                  -- started_at + execution timeout
    -- FIFO order; kept on put-back/requeue so the job returns to the head, renewed by retry (the tail).
    queue_pos             bigint NOT NULL DEFAULT nextval('${s}.job_queue_pos'),
    -- Insert order: breaks ties of created_at in listRecent ("later insert first").
    insert_seq            bigint GENERATED ALWAYS AS IDENTITY,
    idempotency_key       text
  );
  ALTER SEQUENCE ${s}.job_queue_pos OWNED BY ${s}.jobs.queue_pos;

  -- take: queued rows of one endpoint, normal priority first, then FIFO (partial: only queued rows are indexed,
  -- so the index stays as small as the queue however many finished jobs are retained).
  CREATE INDEX jobs_take ON ${s}.jobs (endpoint_id, low_priority, queue_pos) WHERE status = 'IN_QUEUE';
  -- Per-endpoint idempotency keys; also the ON CONFLICT target of insert.
  CREATE UNIQUE INDEX jobs_idempotency ON ${s}.jobs (endpoint_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
  -- Sweeps over running jobs: lapsed leases, execution deadlines, a worker's jobs.
  CREATE INDEX jobs_lease ON ${s}.jobs (lease_until) WHERE status = 'IN_PROGRESS';
  CREATE INDEX jobs_deadline ON ${s}.jobs (deadline_at) WHERE status = 'IN_PROGRESS';
  CREATE INDEX jobs_worker ON ${s}.jobs (worker_id) WHERE status = 'IN_PROGRESS';
  -- TTL and retention sweeps.
  CREATE INDEX jobs_expires ON ${s}.jobs (expires_at);
  CREATE INDEX jobs_retain ON ${s}.jobs (retain_until) WHERE retain_until IS NOT NULL;
  -- GET /requests (newest first, optionally by status) and counts per status.
  CREATE INDEX jobs_recent ON ${s}.jobs (endpoint_id, created_at, insert_seq);
  CREATE INDEX jobs_recent_status ON ${s}.jobs (endpoint_id, status, created_at, insert_seq);

  CREATE TABLE ${s}.chunks (
    job_id  text NOT NULL REFERENCES ${s}.jobs (id) ON DELETE CASCADE,
    seq     integer NOT NULL,
    output  text NOT NULL,                          -- JSON
    PRIMARY KEY (job_id, seq)
  );

  CREATE TABLE ${s}.endpoint_counters (
    endpoint_id  text PRIMARY KEY,
    retried      bigint NOT NULL DEFAULT 0
  );

  CREATE TABLE ${s}.webhook_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id       text NOT NULL,                     -- no foreign key: a delivery outlives its job
    endpoint_id  text NOT NULL,
    url          text NOT NULL,
    snapshot     text NOT NULL,                     -- the jobs row as JSON at the terminal moment
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts     integer NOT NULL DEFAULT 0,
    next_at      bigint NOT NULL,
    created_at   bigint NOT NULL,
    finished_at  bigint,
    last_error   text
  );
  CREATE INDEX webhook_outbox_due ON ${s}.webhook_outbox (next_at, id) WHERE state = 'pending';
  CREATE INDEX webhook_outbox_finished ON ${s}.webhook_outbox (finished_at) WHERE state <> 'pending';

  -- Queue tables churn: every job is inserted, updated a few times and deleted. Vacuum them after a small
  -- fraction of dead rows instead of the default 20 %, so dead tuples do not pile up between runs.
  ALTER TABLE ${s}.jobs SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
  ALTER TABLE ${s}.chunks SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.05);
  ALTER TABLE ${s}.webhook_outbox SET (autovacuum_vacuum_scale_factor = 0.05);
  `,
  // 2: cluster state shared by several nodes (stop signals, worker registry, leases); see postgres-cluster.ts.
  clusterMigration,
];

export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

export interface MigrationResult {
  schema: string;
  /** Version before (0: a new database). */
  from: number;
  to: number;
}

/** Thrown when the database is not at this Gantry's schema version and migrating was not allowed. */
export class SchemaVersionError extends Error {
  override name = "SchemaVersionError";
}

const tooNew = (schema: string, version: number): SchemaVersionError =>
  new SchemaVersionError(
    `PostgreSQL schema "${schema}" is at version ${version}, newer than this Gantry understands (${POSTGRES_SCHEMA_VERSION}); upgrade Gantry`,
  );

/**
 * Brings `schema` to the newest version on `client` (which must not be inside a transaction). Idempotent and
 * safe to run from many processes at once.
 */
export async function migrateSchema(
  client: PoolClient,
  schema: string,
  now = Date.now(),
): Promise<MigrationResult> {
  assertSchemaName(schema);
  const s = quoteSchema(schema);
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('gantry.migrate'), hashtext($1))", [schema]);
    // Checked before creating: CREATE SCHEMA IF NOT EXISTS still demands the CREATE privilege on the database.
    const exists = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_version (version integer PRIMARY KEY, applied_at bigint NOT NULL)`,
    );
    const from = await readVersion(client, s);
    if (from > POSTGRES_SCHEMA_VERSION) throw tooNew(schema, from);
    for (let v = from; v < POSTGRES_SCHEMA_VERSION; v++) {
      await client.query((MIGRATIONS[v] as (s: string) => string)(s));
      await client.query(`INSERT INTO ${s}.schema_version (version, applied_at) VALUES ($1, $2)`, [
        v + 1,
        now,
      ]);
    }
    await client.query("COMMIT");
    return { schema, from, to: POSTGRES_SCHEMA_VERSION };
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

async function readVersion(client: PoolClient, s: string): Promise<number> {
  const r = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${s}.schema_version`);
  return r.rows[0]?.v ?? 0;
}

/** For a store opened with `migrate: false`: the schema must already be exactly at this Gantry's version. */
export async function checkSchemaVersion(client: PoolClient, schema: string): Promise<void> {
  assertSchemaName(schema);
  let version = 0;
  try {
    version = await readVersion(client, quoteSchema(schema));
  } catch (err) {
    // 42P01 undefined_table, 3F000 invalid_schema_name: never migrated.
    const code = (err as { code?: string }).code;
    if (code !== "42P01" && code !== "3F000") throw err;
  }
  if (version > POSTGRES_SCHEMA_VERSION) throw tooNew(schema, version);
  if (version < POSTGRES_SCHEMA_VERSION) {
    throw new SchemaVersionError(
      `PostgreSQL schema "${schema}" is at version ${version}, this Gantry needs ${POSTGRES_SCHEMA_VERSION}: run \`gantry migrate\``,
    );
  }
}
