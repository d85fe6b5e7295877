import { describe, expect, it } from "vitest";
import { EXECUTION_TIMEOUT_RANGE, parsePolicy, TTL_RANGE } from "./policy.js";

describe("parsePolicy", () => {
  it("absent is an empty policy; known fields are kept, unknown ones dropped", () => {
    expect(parsePolicy(undefined)).toEqual({ ok: true, value: {} });
    expect(parsePolicy({})).toEqual({ ok: true, value: {} });
    expect(parsePolicy({ executionTimeout: 5000, ttl: 10_000, lowPriority: true, later: 1 })).toEqual({
      ok: true,
      value: { executionTimeout: 5000, ttl: 10_000, lowPriority: true },
    });
  });

  it("accepts both ends of each range", () => {
    for (const r of [EXECUTION_TIMEOUT_RANGE.min, EXECUTION_TIMEOUT_RANGE.max])
      expect(parsePolicy({ executionTimeout: r })).toEqual({ ok: true, value: { executionTimeout: r } });
    for (const r of [TTL_RANGE.min, TTL_RANGE.max])
      expect(parsePolicy({ ttl: r })).toEqual({ ok: true, value: { ttl: r } });
    expect(TTL_RANGE.max).toBe(604_800_000);
  });

  it("refuses values out of range, or fractional, with the range in ms", () => {
    const cases: [unknown, string][] = [
      [{ ttl: 9999 }, "policy.ttl must be between 10000 and 604800000 ms"],
      [{ ttl: 604_800_001 }, "policy.ttl must be between 10000 and 604800000 ms"],
      [{ executionTimeout: 4999 }, "policy.executionTimeout must be between 5000 and 604800000 ms"],
      [{ executionTimeout: 6000.5 }, "policy.executionTimeout must be between 5000 and 604800000 ms"],
      // The first range error only.
      [{ executionTimeout: 1, ttl: 1 }, "policy.executionTimeout must be between 5000 and 604800000 ms"],
    ];
    for (const [policy, error] of cases)
      expect(parsePolicy(policy), JSON.stringify(policy)).toEqual({ ok: false, error });
  });

  it("refuses wrong types, all of them in one message, before any range", () => {
    const cases: [unknown, string][] = [
      ["fast", "policy: must be an object"],
      [null, "policy: must be an object"],
      [[1], "policy: must be an object"],
      [{ ttl: "1h" }, "policy.ttl: must be a number"],
      [{ ttl: null }, "policy.ttl: must be a number"],
      [{ ttl: Number.POSITIVE_INFINITY }, "policy.ttl: must be a number"],
      [{ ttl: -1 }, "policy.ttl: must be ≥ 0"],
      [{ lowPriority: "yes" }, "policy.lowPriority: must be a boolean"],
      [
        { executionTimeout: 1, ttl: "x", lowPriority: 1 },
        "policy.ttl: must be a number; policy.lowPriority: must be a boolean",
      ],
    ];
    for (const [policy, error] of cases)
      expect(parsePolicy(policy), JSON.stringify(policy)).toEqual({ ok: false, error });
  });
});
