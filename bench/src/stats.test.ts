import { describe, expect, it } from "vitest";
import { latencyPercentiles, percentile, summarize } from "./stats.js";

describe("stats", () => {
  it("takes nearest-rank percentiles whatever the order", () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(Number.isNaN(percentile([], 50))).toBe(true);
  });

  it("summarises rounds as median and range, ignoring non-finite values", () => {
    expect(summarize([3, Number.NaN, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(summarize([]).n).toBe(0);
  });

  it("gives p50 and p99 of one round", () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencyPercentiles(samples)).toEqual({ p50: 50, p99: 99 });
  });
});
