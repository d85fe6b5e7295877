/**
 * Runs every benchmark scenario in smoke mode (tiny counts, one round) so the harness cannot rot. Asserts only
 * that each scenario produced numbers — never a target: figures on a shared CI machine mean nothing. One more
 * case runs the PostgreSQL-store scenarios (throughput, latency) on the real PostgreSQL that the store tests
 * use, and checks that every schema the run created is gone afterwards.
 */
import { describe, expect, it } from "vitest";
import { benchDatabaseUrl, postgresStore, schemasWithPrefix } from "./src/bench-store.js";
import { resultsTable } from "./src/report.js";
import { type BenchResult, runBench } from "./src/run.js";
import { SCENARIOS } from "./src/scenarios/index.js";

function expectFiniteRows(result: BenchResult, names: readonly string[]): void {
  for (const name of names) {
    const rows = result.byScenario[name] ?? [];
    expect(rows.length, `${name} produced no rows`).toBeGreaterThan(0);
    for (const row of rows) {
      expect(Number.isFinite(row.gantry.median), `${name}: ${row.metric}`).toBe(true);
      if (row.reference && (row.reference !== "BullMQ" || result.peer))
        expect(Number.isFinite(row.referenceValue?.median ?? Number.NaN), `${name}: ${row.metric} ref`).toBe(
          true,
        );
    }
  }
  const table = resultsTable(result.rows);
  expect(table.split("\n").length).toBe(result.rows.length + 2);
}

describe("benchmark harness (smoke mode)", () => {
  it("runs every scenario and each one reports finite figures", { timeout: 240_000 }, async () => {
    const result = await runBench({ smoke: true, log: () => {} });
    expectFiniteRows(
      result,
      SCENARIOS.map((s) => s.name),
    );
  });

  it("runs throughput and latency on PostgreSQL, compared with SQLite, and drops its schemas", {
    timeout: 240_000,
  }, async () => {
    const url = benchDatabaseUrl(undefined);
    const store = postgresStore(url);
    if (store.kind !== "postgres") throw new Error("expected a postgres store");
    const result = await runBench({
      smoke: true,
      jobs: 100,
      store,
      scenarios: ["throughput", "latency"],
      log: () => {},
    });
    expect(result.store).toBe(store);
    expectFiniteRows(result, ["throughput", "latency"]);
    const vsSqlite = result.rows.filter((r) => r.reference === "Gantry on SQLite");
    // Throughput and server CPU at two concurrencies, p50 and p99 of latency.
    expect(vsSqlite.map((r) => r.metric)).toEqual([
      "server CPU per job, concurrency 1, PostgreSQL",
      "100 jobs, concurrency 1, PostgreSQL",
      "server CPU per job, concurrency 16, PostgreSQL",
      "100 jobs, concurrency 16, PostgreSQL",
      "runsync p50, PostgreSQL",
      "runsync p99, PostgreSQL",
    ]);
    for (const r of vsSqlite) expect(Number.isFinite(r.ratio?.median ?? Number.NaN), r.metric).toBe(true);
    // Each job commits at least its submission, its take and its completion.
    const commits = result.rows.filter((r) => r.metric.startsWith("PostgreSQL commits per job"));
    expect(commits).toHaveLength(2);
    for (const r of commits) expect(r.gantry.median, r.metric).toBeGreaterThanOrEqual(3);
    expect(await schemasWithPrefix(url, `${store.schemaPrefix}_`)).toEqual([]);
  });
});
