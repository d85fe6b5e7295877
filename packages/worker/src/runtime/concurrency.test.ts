import { describe, expect, it } from "vitest";
import { nextConcurrency } from "./concurrency.js";

describe("concurrency modifier (docs/protocol.md §4.5)", () => {
  it("keeps the current value without a modifier and passes it to one", () => {
    const warnings: string[] = [];
    expect(nextConcurrency(1, undefined, (m) => warnings.push(m))).toBe(1);
    expect(
      nextConcurrency(
        2,
        (n) => n + 1,
        (m) => warnings.push(m),
      ),
    ).toBe(3);
    expect(warnings).toEqual([]);
  });

  it("clamps non-positive and non-integer values to 1 with a warning", () => {
    for (const bad of [0, -2, 1.5, Number.NaN, "3"]) {
      const warnings: string[] = [];
      expect(
        nextConcurrency(
          4,
          () => bad as number,
          (m) => warnings.push(m),
        ),
      ).toBe(1);
      expect(warnings).toHaveLength(1);
    }
  });

  it("keeps the current value when the modifier throws", () => {
    const warnings: string[] = [];
    const throwing = () => {
      throw new Error("nope");
    };
    expect(nextConcurrency(3, throwing, (m) => warnings.push(m))).toBe(3);
    expect(warnings[0]).toContain("nope");
  });
});
