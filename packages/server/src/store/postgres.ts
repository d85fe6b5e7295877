/**
 * The PostgreSQL adapter of `Store` (node-postgres `pg.Pool`), for one or many Gantry nodes sharing a database.
 *
 * Public API (kept stable for the multi-node layer):
 * - `openPostgresStore(options)` → `PostgresStore`: connects, migrates the schema (unless `migrate: false`,
 *   which instead requires the schema to be at exactly this version) and returns the store.
 * - `PostgresStore.pool`: the `pg.Pool` (for LISTEN/NOTIFY, advisory locks…); `PostgresStore.schema`:
 *   the schema its tables live in. Ending the pool is `close()`'s job.
 * - `migratePostgres({ connectionString, schema })`: what `gantry migrate` runs.
 * - `redactConnectionString(url)`: the URL with its password masked, for logs and summaries.
 *
 * The parts: jobs (postgres-jobs.ts, postgres-job-changes.ts), webhook deliveries (postgres-outbox.ts) and
 * cluster state (postgres-cluster.ts). Durability is PostgreSQL's: a change is durable once its statement
 * returns (with the server's default `synchronous_commit = on`).
 */
import type pg from "pg";
import type { ClusterStore } from "./cluster-store.js";
import type { JobStore } from "./job-store.js";
import { postgresClusterStore } from "./postgres-cluster.js";
import { postgresJobChanges } from "./postgres-job-changes.js";
import { postgresJobs } from "./postgres-jobs.js";
import {
  assertSchemaName,
  checkSchemaVersion,
  type MigrationResult,
  migrateSchema,
  quoteSchema,
} from "./postgres-migrations.js";
import { postgresWebhookOutbox } from "./postgres-outbox.js";
import { connect, createPool, type PostgresStoreOptions, validateOptions } from "./postgres-pool.js";
import { PgQuery } from "./postgres-query.js";
import type { Store } from "./store.js";
import type { WebhookOutbox } from "./webhook-outbox.js";

export {
  DEFAULT_POSTGRES_SCHEMA,
  type PostgresStoreOptions,
  redactConnectionString,
} from "./postgres-pool.js";

export class PostgresStore implements Store {
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly jobs: JobStore;
  readonly webhooks: WebhookOutbox;
  readonly cluster: ClusterStore;
  private closed = false;

  /** Use `openPostgresStore`, which also migrates or checks the schema. */
  constructor(pool: pg.Pool, schema: string, options: { prepare?: boolean } = {}) {
    assertSchemaName(schema);
    this.pool = pool;
    this.schema = schema;
    const db = new PgQuery(pool, schema, quoteSchema(schema), options.prepare !== false);
    // A write is visible to others only once its statement returned: no early wake-ups (`inlineWrites`).
    this.jobs = { inlineWrites: false, ...postgresJobs(db), ...postgresJobChanges(db) };
    this.webhooks = postgresWebhookOutbox(db);
    this.cluster = postgresClusterStore(pool, quoteSchema(schema));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
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
  return new PostgresStore(pool, schema, { prepare: options.prepare !== false });
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
