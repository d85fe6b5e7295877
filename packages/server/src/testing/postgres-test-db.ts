/**
 * The real PostgreSQL the tests run against: `GANTRY_TEST_DATABASE_URL`, else `postgres://root@127.0.0.1:5432/test`.
 * When nothing answers there, the run's global setup (postgres-global-setup.ts) starts a throwaway server and
 * points `GANTRY_TEST_DATABASE_URL` at it. Each test file works in schemas of its own (`gantry_test_<random>…`)
 * and drops them afterwards. An unreachable server FAILS the suite with a message saying so — PostgreSQL tests
 * never skip silently.
 * Test support: excluded from the package build.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { POSTGRES_PROBLEM_ENV, testDatabaseUrl, withoutPassword } from "./test-database-url.js";

export {
  DEFAULT_TEST_DATABASE_URL,
  POSTGRES_PROBLEM_ENV,
  testDatabaseUrl,
  withoutPassword,
} from "./test-database-url.js";

/** A fresh schema-name prefix for one test file, e.g. `gantry_test_3f9a1c2b`. */
export const testSchemaPrefix = (): string => `gantry_test_${randomBytes(4).toString("hex")}`;

/** Connects once to prove the server is there; throws a clear error when it is not. */
export async function requirePostgres(url = testDatabaseUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    const problem = process.env[POSTGRES_PROBLEM_ENV];
    throw new Error(
      `PostgreSQL is required for the PostgreSQL store tests and is not reachable at ${withoutPassword(url)} ` +
        `(${(err as Error).message}). ` +
        (problem
          ? problem
          : "Point GANTRY_TEST_DATABASE_URL at a server that accepts this URL; when nothing answers at it, " +
            "`vitest run` starts a throwaway PostgreSQL itself."),
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops every schema whose name starts with `prefix` (the test file's own). */
export async function dropTestSchemas(prefix: string, url = testDatabaseUrl()): Promise<void> {
  if (!/^gantry_test_[0-9a-f]+$/.test(prefix))
    throw new Error(`refusing to drop schemas of prefix ${prefix}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)",
      [prefix],
    );
    for (const r of rows) await client.query(`DROP SCHEMA "${r.nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * The usual set-up of a PostgreSQL test file: fail the file when the server is unreachable, drop its schemas
 * afterwards, and hand out a fresh schema name per call.
 */
export function usePostgresTestDb(): {
  url: string;
  prefix: string;
  /** A schema name no test of this file used before. */
  freshSchema: () => string;
  /** The schema `freshSchema` handed out last (e.g. for a second pool, as a second node would hold). */
  currentSchema: () => string;
} {
  const url = testDatabaseUrl();
  const prefix = testSchemaPrefix();
  let n = 0;
  beforeAll(() => requirePostgres(url));
  afterAll(() => dropTestSchemas(prefix, url));
  return { url, prefix, freshSchema: () => `${prefix}_${++n}`, currentSchema: () => `${prefix}_${n}` };
}
