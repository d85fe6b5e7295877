/**
 * Runs every benchmark scenario in smoke mode (tiny counts, one round) so the harness cannot rot. Asserts only
 * that each scenario produced numbers — never a target: figures on a shared CI machine mean nothing.
 */
import { describe, expect, it } from "vitest";
import { resultsTable } from "./src/report.js";
import { runBench } from "./src/run.js";
import { SCENARIOS } from "./src/scenarios/index.js";

describe("benchmark harness (smoke mode)", () => {
  it("runs every scenario and each one reports finite figures", { timeout: 240_000 }, async () => {
    const result = await runBench({ smoke: true, log: () => {} });
    for (const s of SCENARIOS) {
      const rows = result.byScenario[s.name] ?? [];
      expect(rows.length, `${s.name} produced no rows`).toBeGreaterThan(0);
      for (const row of rows) {
        expect(Number.isFinite(row.gantry.median), `${s.name}: ${row.metric}`).toBe(true);
        if (row.reference && (row.reference !== "BullMQ" || result.peer))
          expect(
            Number.isFinite(row.referenceValue?.median ?? Number.NaN),
            `${s.name}: ${row.metric} ref`,
          ).toBe(true);
      }
    }
    const table = resultsTable(result.rows);
    expect(table.split("\n").length).toBe(result.rows.length + 2);
  });
});
