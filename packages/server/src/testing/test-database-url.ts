/**
 * Where the PostgreSQL tests find their server. Kept apart from postgres-test-db.ts (which imports Vitest's test
 * API) so that the run's global setup, in Vitest's main process, can read it too.
 * Test support: excluded from the package build.
 */

export const DEFAULT_TEST_DATABASE_URL = "postgres://root@127.0.0.1:5432/test";

/** `GANTRY_TEST_DATABASE_URL`, else the default. */
export function testDatabaseUrl(): string {
  const v = process.env.GANTRY_TEST_DATABASE_URL?.trim();
  return v ? v : DEFAULT_TEST_DATABASE_URL;
}

/** Set by the global setup when no server answered and no throwaway one could be started: why. */
export const POSTGRES_PROBLEM_ENV = "GANTRY_TEST_POSTGRES_PROBLEM";

/** The URL with its password, if any, replaced by `***`, for messages. */
export function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}
