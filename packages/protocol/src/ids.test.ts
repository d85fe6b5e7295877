import { describe, expect, it } from "vitest";
import { ID_MAX_LENGTH, isValidId, parseId } from "./ids.js";

describe("parseId", () => {
  it("accepts letters, digits, _ and -, up to 200 characters", () => {
    for (const id of [
      "a",
      "ep_1",
      "sync-0193c4a0-7b2e-7c1d-9a3b-1c2d3e4f5a6b-n1",
      "x".repeat(ID_MAX_LENGTH),
    ]) {
      expect(parseId("job", id)).toEqual({ ok: true, value: id });
      expect(isValidId(id)).toBe(true);
    }
  });

  it("refuses other characters with the API's message", () => {
    expect(parseId("worker", "a.b")).toEqual({
      ok: false,
      error: 'worker id "a.b" is invalid; must match [A-Za-z0-9_-]+',
    });
    for (const id of ["", "a b", "a/b", "ü", "a\n"]) expect(isValidId(id)).toBe(false);
    expect(parseId("endpoint", "")).toEqual({
      ok: false,
      error: 'endpoint id "" is invalid; must match [A-Za-z0-9_-]+',
    });
  });

  it("refuses an id over 200 characters, saying so, and shows only its start", () => {
    const r = parseId("job", "y".repeat(ID_MAX_LENGTH + 1));
    expect(r).toEqual({
      ok: false,
      error: `job id "${"y".repeat(100)}…" is invalid; must be at most 200 characters`,
    });
    expect(isValidId("y".repeat(ID_MAX_LENGTH + 1))).toBe(false);
  });

  it("refuses a non-string", () => {
    expect(parseId("job", 42)).toEqual({ ok: false, error: "job id must be a string" });
    expect(isValidId(undefined)).toBe(false);
  });
});
