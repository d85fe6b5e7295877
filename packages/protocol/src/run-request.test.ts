import { describe, expect, it } from "vitest";
import { parseRunRequest } from "./run-request.js";

describe("parseRunRequest", () => {
  it("takes input alone, or with every known field, and keeps the rest as extra", () => {
    expect(parseRunRequest({ input: null })).toEqual({ ok: true, value: { input: null } });
    const body = {
      input: { a: 1 },
      webhook: "https://example.com/hook",
      policy: { ttl: 60_000, lowPriority: false },
      s3Config: { bucketName: "b" },
      webhookV2: "https://example.com/v2",
      timeout: 3,
    };
    expect(parseRunRequest(body)).toEqual({
      ok: true,
      value: {
        input: { a: 1 },
        webhook: "https://example.com/hook",
        policy: { ttl: 60_000, lowPriority: false },
        s3Config: { bucketName: "b" },
        extra: { webhookV2: "https://example.com/v2", timeout: 3 },
      },
    });
  });

  it("refuses a body that is not an object, and a missing input", () => {
    for (const body of [[{ input: 1 }], "just a string", null, 3])
      expect(parseRunRequest(body)).toEqual({
        ok: false,
        error: "json is invalid: body must be a JSON object",
      });
    for (const body of [{}, { notInput: 1 }, { input: undefined }])
      expect(parseRunRequest(body)).toEqual({ ok: false, error: "input: is required" });
  });

  it("names each bad field as the API does", () => {
    const cases: [unknown, string][] = [
      [{ input: 1, webhook: 42 }, "webhook: must be a string"],
      [{ input: 1, webhook: null }, "webhook: must be a string"],
      [{ input: 1, webhook: "ftp://x" }, "webhook: must be an http(s) URL"],
      [{ input: 1, policy: { ttl: "long" } }, "policy.ttl: must be a number"],
      [{ input: 1, policy: "fast" }, "policy: must be an object"],
      [{ input: 1, policy: { lowPriority: "yes" } }, "policy.lowPriority: must be a boolean"],
      [{ input: 1, s3Config: [1] }, "s3Config: must be an object"],
      [{ input: 1, policy: { ttl: 5 } }, "policy.ttl must be between 10000 and 604800000 ms"],
      [
        { input: 1, webhook: 42, policy: "fast", s3Config: 1 },
        "webhook: must be a string; policy: must be an object; s3Config: must be an object",
      ],
      // Type errors first: the range of ttl is only told once the webhook is fixed.
      [{ input: 1, webhook: "x", policy: { ttl: 5 } }, "webhook: must be an http(s) URL"],
    ];
    for (const [body, error] of cases)
      expect(parseRunRequest(body), JSON.stringify(body)).toEqual({ ok: false, error });
  });
});
