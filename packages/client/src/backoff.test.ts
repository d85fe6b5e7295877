import { describe, expect, it } from "vitest";
import { backoffDelay, parseRetryAfter } from "./backoff.js";

const policy = { retries: 5, minDelayMs: 100, maxDelayMs: 1_000 };

describe("backoffDelay", () => {
  it("grows exponentially up to the cap, with full jitter below it", () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 1))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(400);
  });

  it("does not overflow for absurd attempt numbers", () => {
    expect(backoffDelay(policy, 10_000, () => 1)).toBe(1_000);
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("3")).toBe(3_000);
    expect(parseRetryAfter(" 0 ")).toBe(0);
    expect(parseRetryAfter("1.5")).toBe(1_500);
  });

  it("reads an HTTP date relative to now, never negative", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });

  it("ignores absent or unreadable values", () => {
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter("")).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter("-1")).toBeUndefined();
  });
});
