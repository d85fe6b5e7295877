import { describe, expect, it } from "vitest";
import { runExample } from "../test-helpers.js";

describe("progress-messages example", () => {
  it("reports every stage with its message, in order, before the result", async () => {
    const run = await runExample("progress-messages");
    expect(run.code).toBe(0);
    expect(run.progress).toEqual([
      { progress: 10, message: "Preprocessing input..." },
      { progress: 30, message: "Running inference..." },
      { progress: 80, message: "Postprocessing results..." },
      { progress: 100, message: "Complete" },
    ]);
    expect(run.result).toEqual({
      output: {
        result: {
          keywords: [
            // "worker" ×3; the repeated pair "worker queues" 2 × 1.5; ties sort alphabetically.
            { term: "worker", score: 1 },
            { term: "worker queues", score: 1 },
            { term: "failed", score: 0.667 },
          ],
          tokens: 18,
        },
      },
    });
  });

  it("fails before any progress for empty text", async () => {
    const run = await runExample("progress-messages", { testInput: { input: { text: "" } } });
    expect(run.code).toBe(1);
    expect(run.progress).toEqual([]);
  });
});
