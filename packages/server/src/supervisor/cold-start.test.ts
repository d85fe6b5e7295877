import { describe, expect, it } from "vitest";
import { ColdStartStats, percentile } from "./cold-start.js";

describe("cold-start stats", () => {
  it("is empty before any sample", () => {
    expect(new ColdStartStats().summary()).toEqual({ count: 0 });
  });

  it("computes nearest-rank percentiles over 1..100", () => {
    const s = new ColdStartStats();
    for (let i = 100; i >= 1; i--) s.record(i);
    expect(s.summary()).toEqual({ count: 100, p50: 50, p90: 90, p98: 98, last: 1 });
  });

  it("a single sample is every percentile", () => {
    const s = new ColdStartStats();
    s.record(1234.4);
    expect(s.summary()).toEqual({ count: 1, p50: 1234, p90: 1234, p98: 1234, last: 1234 });
  });

  it("keeps a window but counts every sample", () => {
    const s = new ColdStartStats(3);
    for (const v of [1000, 1000, 1000, 5, 6, 7]) s.record(v);
    expect(s.summary()).toMatchObject({ count: 6, p50: 6, p98: 7 });
  });

  it("ignores invalid values", () => {
    const s = new ColdStartStats();
    s.record(-1);
    s.record(Number.NaN);
    s.record(Number.POSITIVE_INFINITY);
    expect(s.summary().count).toBe(0);
  });

  it("percentile of two values", () => {
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 90)).toBe(20);
    expect(() => new ColdStartStats(0)).toThrow(RangeError);
  });
});
