/**
 * Which store the benchmark's Gantry servers use. SQLite: a file in the server's temp data dir. PostgreSQL: a
 * schema of its own per server (`<prefix>_<n>`) in the database at `databaseUrl`, created by the server's
 * start-up migration and dropped when the server is closed, so runs never see each other's rows.
 */
import { randomBytes } from "node:crypto";
import { redactConnectionString } from "@gantry/server";
import pg from "pg";

export const DEFAULT_BENCH_DATABASE_URL = "postgres://root@127.0.0.1:5432/test";

export type BenchStore =
  | { kind: "sqlite" }
  | {
      kind: "postgres";
      databaseUrl: string;
      /** Schema names of this run start with it; letters, digits and `_` (`gantry_bench_<hex>` by default). */
      schemaPrefix: string;
    };

export const SQLITE_STORE: BenchStore = { kind: "sqlite" };

const PREFIX_RE = /^gantry_bench_[a-z0-9_]{1,32}$/;

/** `--database-url`, else `GANTRY_TEST_DATABASE_URL`, else the local test database. */
export function benchDatabaseUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const url = flag ?? (env.GANTRY_TEST_DATABASE_URL?.trim() || DEFAULT_BENCH_DATABASE_URL);
  if (!/^postgres(ql)?:\/\/./i.test(url))
    throw new Error(`the database URL must be a postgres:// or postgresql:// URL, got "${url}"`);
  return url;
}

export function postgresStore(databaseUrl: string, schemaPrefix?: string): BenchStore {
  const prefix = schemaPrefix ?? `gantry_bench_${randomBytes(4).toString("hex")}`;
  if (!PREFIX_RE.test(prefix))
    throw new Error(`schema prefix must match ${PREFIX_RE.source}, got "${schemaPrefix}"`);
  return { kind: "postgres", databaseUrl, schemaPrefix: prefix };
}

export function storeLabel(store: BenchStore): string {
  return store.kind === "postgres" ? "PostgreSQL" : "SQLite";
}

export function describeBenchStore(store: BenchStore): string {
  return store.kind === "postgres"
    ? `PostgreSQL ${redactConnectionString(store.databaseUrl)}, schemas ${store.schemaPrefix}_<n> (dropped after use)`
    : "SQLite file per server (WAL, synchronous=NORMAL)";
}

async function withClient<T>(url: string, use: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Fails early, with the URL (password hidden) and the reason, when the database does not answer. */
export async function requireDatabase(store: BenchStore): Promise<void> {
  if (store.kind !== "postgres") return;
  try {
    await withClient(store.databaseUrl, (c) => c.query("SELECT 1"));
  } catch (err) {
    throw new Error(
      `--store postgres: PostgreSQL is not reachable at ${redactConnectionString(store.databaseUrl)} ` +
        `(${(err as Error).message}); start it or pass --database-url / GANTRY_TEST_DATABASE_URL`,
    );
  }
}

/** Server settings a PostgreSQL-backed commit waits for (they decide what a commit costs). */
export async function postgresSettings(store: BenchStore): Promise<Record<string, string>> {
  if (store.kind !== "postgres") return {};
  return withClient(store.databaseUrl, async (c) => {
    const { rows } = await c.query<{ name: string; setting: string; unit: string | null }>(
      "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name",
      [["synchronous_commit", "fsync", "wal_sync_method", "commit_delay", "shared_buffers"]],
    );
    const out: Record<string, string> = {};
    const version = await c.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    out.server_version = version.rows[0]?.v ?? "unknown";
    for (const r of rows) out[r.name] = r.unit ? `${r.setting} × ${r.unit}` : r.setting;
    return out;
  });
}

let serial = 0;

/** A fresh schema name for one server of this run. */
export function nextSchema(store: Extract<BenchStore, { kind: "postgres" }>): string {
  return `${store.schemaPrefix}_${++serial}`;
}

/** Drops one schema of this run (refuses anything that is not one). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^gantry_bench_[a-z0-9_]+$/.test(schema)) throw new Error(`refusing to drop schema ${schema}`);
  await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

/** Schemas whose name starts with `prefix` (the smoke test checks none outlive the run). */
export async function schemasWithPrefix(url: string, prefix: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY 1",
      [prefix],
    );
    return rows.map((r) => r.nspname);
  });
}

/** Drops every schema of this run still there (an interrupted run); returns their names. */
export async function dropRunSchemas(store: BenchStore): Promise<string[]> {
  if (store.kind !== "postgres") return [];
  const left = await schemasWithPrefix(store.databaseUrl, `${store.schemaPrefix}_`);
  for (const s of left) await dropSchema(store.databaseUrl, s);
  return left;
}

/** Tables plus indexes plus TOAST of one schema, bytes. */
export async function schemaBytes(url: string, schema: string): Promise<number> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ bytes: string | null }>(
      `SELECT sum(pg_total_relation_size(cl.oid))::text AS bytes
         FROM pg_class cl JOIN pg_namespace ns ON ns.oid = cl.relnamespace
        WHERE ns.nspname = $1 AND cl.relkind IN ('r', 'm')`,
      [schema],
    );
    return Number(rows[0]?.bytes ?? 0);
  });
}

/** Database-wide activity counters; their growth over a round, per job, says what each job cost PostgreSQL. */
export interface PostgresActivity {
  /** Committed transactions in this database (each autocommit statement is one). */
  commits: number;
  /** WAL flushes to disk (fdatasync …) of the whole server. */
  walSyncs: number;
  /** WAL written by the whole server, bytes. */
  walBytes: number;
}

export async function postgresActivity(url: string): Promise<PostgresActivity> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ commits: string; syncs: string; bytes: string }>(
      `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::text AS commits,
              (SELECT wal_sync FROM pg_stat_wal)::text AS syncs,
              pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS bytes`,
    );
    const r = rows[0];
    return { commits: Number(r?.commits), walSyncs: Number(r?.syncs), walBytes: Number(r?.bytes) };
  });
}
