import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hashString, MarkovChain, seededRandom } from "./markov.js";

const corpus = readFileSync(new URL("./corpus.txt", import.meta.url), "utf8");

describe("MarkovChain", () => {
  const chain = new MarkovChain(corpus);

  it("is trained on a corpus of at least 3,000 words", () => {
    expect(chain.wordCount).toBeGreaterThanOrEqual(3000);
    expect(chain.stateCount).toBeGreaterThan(1000);
  });

  it("is deterministic for a prompt and yields exactly max_tokens words", () => {
    const a = [...chain.generate("the river", 40)];
    const b = [...chain.generate("the river", 40)];
    expect(a).toHaveLength(40);
    expect(a).toEqual(b);
    // A shorter run is a prefix of a longer one with the same prompt.
    expect([...chain.generate("the river", 10)]).toEqual(a.slice(0, 10));
    expect([...chain.generate("the forest", 40)]).not.toEqual(a);
  });

  it("only produces word transitions that exist in the corpus", () => {
    const pairs = new Set<string>();
    const words = corpus.split(/\s+/).filter((w) => w !== "");
    for (let i = 0; i + 1 < words.length; i++) pairs.add(`${words[i]} ${words[i + 1]}`);
    const out = [...chain.generate("Every evening the keeper climbed the narrow", 200)];
    // Continuing the prompt: "narrow" is followed by a word the corpus has seen after it.
    expect(pairs.has(`narrow ${out[0]}`)).toBe(true);
    let unseen = 0;
    for (let i = 0; i + 1 < out.length; i++) if (!pairs.has(`${out[i]} ${out[i + 1]}`)) unseen++;
    // Only a jump to a fresh sentence (after the corpus's final pair) can join unseen words.
    expect(unseen).toBeLessThanOrEqual(2);
  });

  it("starts a sentence when the prompt is empty or unknown", () => {
    for (const prompt of ["", "zzz qqq"]) {
      const [first] = chain.generate(prompt, 1);
      expect(first).toMatch(/^[A-Z]/);
    }
  });

  it("rejects a corpus too small to train on", () => {
    expect(() => new MarkovChain("too small")).toThrow(/at least three words/);
  });
});

describe("seeded helpers", () => {
  it("hashString is stable and seededRandom stays in [0, 1)", () => {
    expect(hashString("abc")).toBe(hashString("abc"));
    expect(hashString("abc")).not.toBe(hashString("abd"));
    const random = seededRandom(42);
    for (let i = 0; i < 1000; i++) {
      const v = random();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});
