import { describe, expect, it } from "vitest";
import { runExample } from "../test-helpers.js";
import { runOnPlatform } from "../test-platform.js";

describe("progress example", () => {
  it("reports a percentage after every item, then the results", async () => {
    const run = await runExample("progress");
    expect(run.code).toBe(0);
    expect(run.progress).toEqual([16, 33, 50, 66, 83, 100]);
    expect(run.result).toEqual({
      output: {
        results: [
          { n: 10, primes_below: 4 },
          { n: 100, primes_below: 25 },
          { n: 1000, primes_below: 168 },
          { n: 10000, primes_below: 1229 },
          { n: 100000, primes_below: 9592 },
          { n: 1000000, primes_below: 78498 },
        ],
        total_processed: 6,
      },
    });
    // Every progress line is printed before the final result.
    const lastProgress = run.messages.findLastIndex((m) => m.includes("Progress: "));
    const resultLine = run.messages.findIndex((m) => m.includes("Job result: "));
    expect(lastProgress).toBeGreaterThan(-1);
    expect(lastProgress).toBeLessThan(resultLine);
  });

  it("rejects items out of range without sending progress", async () => {
    const run = await runExample("progress", { testInput: { input: { items: [10, -1] } } });
    expect(run.code).toBe(1);
    expect(run.progress).toEqual([]);
    expect(run.failure).toBe("every item must be an integer between 0 and 50000000");
  });
});

describe("progress on the platform", () => {
  it("posts every progress update before the final result", async () => {
    const run = await runOnPlatform("progress", { id: "progress-1", input: { items: [100, 200, 300, 400] } });
    expect(run.progress).toEqual([25, 50, 75, 100]);
    expect(run.posts).toEqual(["progress", "progress", "progress", "progress", "result"]);
    expect(run.result).toEqual({
      output: {
        results: [
          { n: 100, primes_below: 25 },
          { n: 200, primes_below: 46 },
          { n: 300, primes_below: 62 },
          { n: 400, primes_below: 78 },
        ],
        total_processed: 4,
      },
    });
  });
});
