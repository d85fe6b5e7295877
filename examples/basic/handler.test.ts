import { describe, expect, it } from "vitest";
import { runExample } from "../test-helpers.js";

describe("basic example", () => {
  it("computes text statistics for test_input.json", async () => {
    const run = await runExample("basic");
    expect(run.code).toBe(0);
    expect(run.result).toEqual({
      output: {
        output: {
          characters: 79,
          words: 16,
          sentences: 3,
          longest_word: "sleeps",
          top_words: [
            { word: "the", count: 4 },
            { word: "dog", count: 2 },
            { word: "fox", count: 2 },
          ],
        },
      },
    });
  });

  it("returns an error result and exits 1 for missing text", async () => {
    const run = await runExample("basic", { testInput: { input: { text: "   " } } });
    expect(run.code).toBe(1);
    expect(run.failure).toBe("input.text must be a non-empty string");
  });
});
