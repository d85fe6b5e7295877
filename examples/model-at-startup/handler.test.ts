import { describe, expect, it } from "vitest";
import { indexOfMessage, outputOf, runExample } from "../test-helpers.js";

describe("model-at-startup example", () => {
  it("loads the model before the job and analyses the text with it", async () => {
    const run = await runExample("model-at-startup");
    expect(run.code).toBe(0);

    const loaded = run.messages.findIndex((m) => /Model loaded in \d+\.\d{2}s/.test(m));
    expect(loaded).toBeGreaterThan(-1);
    expect(indexOfMessage(run, "Loading model...")).toBeLessThan(loaded);
    expect(loaded).toBeLessThan(indexOfMessage(run, "Job result: "));

    const output = outputOf<{
      sentences: string[];
      tokens: number;
      words: number;
      entities: Array<{ value: string; type: string }>;
      pos_counts: Record<string, number>;
    }>(run);
    expect(output.sentences).toEqual([
      "Maren rowed across the bay on 3 May 2024 and paid $4 for bread.",
      "The baker talked about the weather!",
    ]);
    expect(output.tokens).toBe(23);
    expect(output.words).toBe(17);
    expect(output.entities).toEqual(
      expect.arrayContaining([
        { value: "3 May 2024", type: "DATE" },
        { value: "$4", type: "MONEY" },
      ]),
    );
    expect(output.pos_counts.PUNCT).toBe(2);
    expect(output.pos_counts.NOUN).toBeGreaterThanOrEqual(3);
    expect(output.pos_counts.VERB).toBeGreaterThanOrEqual(2);
  });

  it("rejects a missing text", async () => {
    const run = await runExample("model-at-startup", { testInput: { input: {} } });
    expect(run.code).toBe(1);
    expect(run.failure).toBe("text must be a non-empty string");
  });
});
