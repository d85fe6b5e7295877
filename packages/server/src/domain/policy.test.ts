import { describe, expect, it } from "vitest";
import { resolveEndpoint } from "./endpoint.js";
import { resolvePolicy } from "./policy.js";

const endpoint = resolveEndpoint({ id: "ep", executionTimeoutMs: 60_000, ttlMs: 3_600_000 });

describe("resolvePolicy", () => {
  it("fills what the request leaves out from the endpoint", () => {
    expect(resolvePolicy(undefined, endpoint)).toEqual({
      ok: true,
      policy: { executionTimeout: 60_000, ttl: 3_600_000, lowPriority: false },
    });
    expect(resolvePolicy({ ttl: 20_000, lowPriority: true }, endpoint)).toEqual({
      ok: true,
      policy: { executionTimeout: 60_000, ttl: 20_000, lowPriority: true },
    });
  });

  it("refuses with @gantry/protocol's messages, the API's", () => {
    expect(resolvePolicy({ executionTimeout: 100 }, endpoint)).toEqual({
      ok: false,
      error: "policy.executionTimeout must be between 5000 and 604800000 ms",
    });
    expect(resolvePolicy(null, endpoint)).toEqual({ ok: false, error: "policy: must be an object" });
    expect(resolvePolicy({ ttl: null }, endpoint)).toEqual({
      ok: false,
      error: "policy.ttl: must be a number",
    });
  });
});
