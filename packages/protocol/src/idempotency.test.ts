import { describe, expect, it } from "vitest";
import { IDEMPOTENCY_KEY_INVALID, parseIdempotencyKey } from "./idempotency.js";

describe("parseIdempotencyKey", () => {
  it("accepts 1 to 200 printable ASCII characters without spaces", () => {
    const every = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i)).join("");
    for (const key of ["k", "order-42", "550e8400-e29b-41d4-a716-446655440000", every, "z".repeat(200)])
      expect(parseIdempotencyKey(key)).toEqual({ ok: true, value: key });
  });

  it("refuses inner and surrounding spaces, as the API does", () => {
    for (const key of ["a b", " a", "a ", "a\tb"])
      expect(parseIdempotencyKey(key)).toEqual({ ok: false, error: IDEMPOTENCY_KEY_INVALID });
  });

  it("refuses empty, too long, non-ASCII, control characters and non-strings", () => {
    for (const key of ["", "z".repeat(201), "naïve", "a\u007fb", "a\nb", 42, undefined, null])
      expect(parseIdempotencyKey(key)).toEqual({ ok: false, error: IDEMPOTENCY_KEY_INVALID });
  });

  it("says why in words, spaces included", () => {
    expect(IDEMPOTENCY_KEY_INVALID).toBe(
      "Idempotency-Key is invalid; must be 1 to 200 printable ASCII characters without spaces",
    );
  });
});
