import { describe, expect, it } from "vitest";
import { runExample } from "../test-helpers.js";

describe("stream-metadata example", () => {
  it("yields each result with progress, remaining and finished", async () => {
    const run = await runExample("stream-metadata");
    expect(run.code).toBe(0);
    expect(run.chunks).toEqual([
      {
        result: { n: 360, factors: [2, 2, 2, 3, 3, 5], is_prime: false },
        progress: 20,
        remaining: 4,
        finished: false,
      },
      { result: { n: 97, factors: [97], is_prime: true }, progress: 40, remaining: 3, finished: false },
      {
        result: { n: 1001, factors: [7, 11, 13], is_prime: false },
        progress: 60,
        remaining: 2,
        finished: false,
      },
      {
        result: { n: 65536, factors: Array(16).fill(2), is_prime: false },
        progress: 80,
        remaining: 1,
        finished: false,
      },
      {
        result: { n: 999983, factors: [999983], is_prime: true },
        progress: 100,
        remaining: 0,
        finished: true,
      },
    ]);
    expect(run.result).toEqual({ output: run.chunks });
  });

  it("rounds progress to two decimals", async () => {
    const run = await runExample("stream-metadata", { testInput: { input: { items: [4, 9, 25] } } });
    expect(run.code).toBe(0);
    expect(run.chunks.map((c) => (c as { progress: number }).progress)).toEqual([33.33, 66.67, 100]);
  });

  it("fails the job with an error chunk for a non-integer item", async () => {
    const run = await runExample("stream-metadata", { testInput: { input: { items: [10, "x"] } } });
    expect(run.code).toBe(1);
    expect(run.chunks).toEqual([]);
    expect(run.failure).toBe("items[1] must be an integer between 2 and 1000000000000");
  });
});
