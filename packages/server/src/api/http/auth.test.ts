import { expect, test } from "vitest";
import { createKeyMatcher } from "./auth.js";

test("the key matcher remembers only keys that verified", () => {
  const matches = createKeyMatcher(["k1", "k2", ""]);
  expect(matches("k1")).toBe(true);
  expect(matches("k1")).toBe(true);
  expect(matches("k2")).toBe(true);
  expect(matches("k3")).toBe(false);
  expect(matches("k3")).toBe(false);
  expect(matches("")).toBe(false);
  expect(matches(undefined)).toBe(false);
  expect(matches("K1")).toBe(false);
});
