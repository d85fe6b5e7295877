/**
 * Vitest global setup: makes sure the PostgreSQL tests have a server. When something answers at the test
 * database URL (`GANTRY_TEST_DATABASE_URL`, else the default), it is used as it is. When nothing does, a
 * throwaway PostgreSQL is started for the run, its URL is exported as `GANTRY_TEST_DATABASE_URL` — read by the
 * test files, by the servers they start and by the benchmark's smoke test — and it is removed at the end.
 * A throwaway that cannot start does not stop the run: the PostgreSQL suites then fail with the reason.
 * Test support: excluded from the package build.
 */
import { POSTGRES_PROBLEM_ENV, testDatabaseUrl, withoutPassword } from "./test-database-url.js";
import { postgresAnswers, startThrowawayPostgres, type ThrowawayPostgres } from "./throwaway-postgres.js";

let throwaway: ThrowawayPostgres | undefined;

export async function setup(): Promise<void> {
  const url = testDatabaseUrl();
  if (await postgresAnswers(url)) return;
  const shown = withoutPassword(url);
  try {
    throwaway = await startThrowawayPostgres();
  } catch (e) {
    process.env[POSTGRES_PROBLEM_ENV] =
      `Nothing answers at ${shown}, and a throwaway PostgreSQL could not be started: ${(e as Error).message}`;
    console.error(`[postgres] ${process.env[POSTGRES_PROBLEM_ENV]}`);
    return;
  }
  process.env.GANTRY_TEST_DATABASE_URL = throwaway.url;
  console.log(
    `[postgres] nothing answers at ${shown}: using a throwaway PostgreSQL at ${withoutPassword(throwaway.url)} ` +
      "for this run",
  );
}

export async function teardown(): Promise<void> {
  await throwaway?.stop();
  throwaway = undefined;
}
