import { expect, test } from "vitest";
import { ApiError } from "./errors.js";
import { parseJsonBody, replaceNonFiniteTokens } from "./json.js";

test("NaN/Infinity tokens become null only outside strings, escaped quotes included", () => {
  expect(replaceNonFiniteTokens('[NaN, -Infinity, Infinity, "NaN", "a\\"NaN"]')).toBe(
    '[null, null, null, "NaN", "a\\"NaN"]',
  );
  expect(parseJsonBody('{"x": [1, NaN], "s": "Infinity\\\\"}', { pythonTokens: true })).toEqual({
    x: [1, null],
    s: "Infinity\\",
  });
});

test("strict parsing rejects the Python tokens; errors are 400 json is invalid", () => {
  expect(() => parseJsonBody("[NaN]")).toThrow(ApiError);
  expect(() => parseJsonBody("[NaN]")).toThrow(/^json is invalid: /);
  expect(() => parseJsonBody("   ")).toThrow("json is invalid: body is empty");
  expect(() => parseJsonBody("{NaN}", { pythonTokens: true })).toThrow(/^json is invalid: /);
});
