import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_RETRY, RUNPOD_BASE_URL, resolveConfig } from "./config.js";
import { checkIdempotencyKey, newIdempotencyKey } from "./idempotency.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

const clearEnv = () => {
  for (const name of ["GANTRY_BASE_URL", "RUNPOD_ENDPOINT_BASE_URL", "GANTRY_API_KEY", "RUNPOD_API_KEY"])
    vi.stubEnv(name, "");
};

describe("resolveConfig", () => {
  it("defaults to RunPod's cloud and no key", () => {
    clearEnv();
    const c = resolveConfig("ep1");
    expect(c.baseUrl).toBe(RUNPOD_BASE_URL);
    expect(c.apiKey).toBeUndefined();
    expect(c.retry).toEqual(DEFAULT_RETRY);
  });

  it("reads GANTRY_* before RUNPOD_* variables; options win over both", () => {
    clearEnv();
    vi.stubEnv("RUNPOD_ENDPOINT_BASE_URL", "http://runpod.local/v2");
    vi.stubEnv("RUNPOD_API_KEY", "rp");
    expect(resolveConfig("ep1")).toMatchObject({ baseUrl: "http://runpod.local/v2", apiKey: "rp" });
    vi.stubEnv("GANTRY_BASE_URL", "http://gantry.local:8080/v2/");
    vi.stubEnv("GANTRY_API_KEY", "g");
    expect(resolveConfig("ep1")).toMatchObject({ baseUrl: "http://gantry.local:8080/v2", apiKey: "g" });
    expect(resolveConfig("ep1", { baseUrl: "https://x.test/v2///", apiKey: "o" })).toMatchObject({
      baseUrl: "https://x.test/v2",
      apiKey: "o",
    });
  });

  it("rejects malformed ids and options with clear errors", () => {
    expect(() => resolveConfig("bad id")).toThrow(
      'endpoint id "bad id" is invalid; must match [A-Za-z0-9_-]+',
    );
    expect(() => resolveConfig("e".repeat(201))).toThrow(/endpoint id "e+…" is invalid; must be at most 200/);
    expect(() => resolveConfig("ep1", { baseUrl: "ftp://x" })).toThrow(/baseUrl must be an http\(s\) URL/);
    expect(() => resolveConfig("ep1", { retry: { retries: -1 } })).toThrow(/retry.retries/);
    expect(() => resolveConfig("ep1", { timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
  });

  it("merges a partial retry policy with the defaults", () => {
    expect(resolveConfig("ep1", { retry: { retries: 0 } }).retry).toEqual({ ...DEFAULT_RETRY, retries: 0 });
  });
});

describe("idempotency keys", () => {
  it("generates distinct valid keys", () => {
    const a = newIdempotencyKey();
    expect(checkIdempotencyKey(a)).toBe(a);
    expect(newIdempotencyKey()).not.toBe(a);
  });

  it("rejects keys the server would refuse", () => {
    expect(() => checkIdempotencyKey("")).toThrow(/idempotencyKey/);
    expect(() => checkIdempotencyKey("x".repeat(201))).toThrow(/idempotencyKey/);
    expect(() => checkIdempotencyKey("naïve")).toThrow(/idempotencyKey/);
    // The server refuses inner spaces (a 400): the client must not let them through.
    expect(() => checkIdempotencyKey("order 42")).toThrow(
      'invalid idempotencyKey "order 42": Idempotency-Key is invalid; must be 1 to 200 printable ASCII characters without spaces',
    );
    expect(() => checkIdempotencyKey(42)).toThrow(TypeError);
    expect(checkIdempotencyKey("order-42")).toBe("order-42");
  });
});
