/** Options of the PostgreSQL adapter and the `pg.Pool` built from them. */
import pg from "pg";
import { assertSchemaName } from "./postgres-migrations.js";

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

/** bigint columns hold ms timestamps and counts, all far below 2^53: hand them out as numbers. */
const typeParsers = new pg.TypeOverrides();
typeParsers.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

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

export function validateOptions(o: PostgresStoreOptions): { schema: string; poolSize: number } {
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

export function createPool(o: PostgresStoreOptions, poolSize: number): pg.Pool {
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
export async function connect(pool: pg.Pool, url: string): Promise<pg.PoolClient> {
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
