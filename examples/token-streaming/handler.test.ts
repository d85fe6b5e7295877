import { describe, expect, it } from "vitest";
import { runExample } from "../test-helpers.js";
import { runOnPlatform } from "../test-platform.js";

interface TokenChunk {
  token: string;
  finished: boolean;
  usage?: { tokens: number };
}

describe("token-streaming example", () => {
  it("streams one chunk per token, then a finished chunk, and aggregates them", async () => {
    const run = await runExample("token-streaming");
    expect(run.code).toBe(0);
    expect(run.messages.some((m) => /Model trained in \d+\.\d+s \(\d+ words/.test(m))).toBe(true);

    const chunks = run.chunks as TokenChunk[];
    expect(chunks).toHaveLength(25);
    const tokens = chunks.slice(0, -1);
    for (const chunk of tokens) {
      expect(chunk.finished).toBe(false);
      expect(chunk.token).toMatch(/^ \S+$/);
    }
    expect(chunks.at(-1)).toEqual({ token: "", finished: true, usage: { tokens: 24 } });
    // returnAggregateStream: the final output is every chunk, in order.
    expect(run.result).toEqual({ output: chunks });
  });

  it("is deterministic for the same prompt and max_tokens", async () => {
    const input = { input: { prompt: "The bread", max_tokens: 12 } };
    const [a, b] = await Promise.all([
      runExample("token-streaming", { testInput: input }),
      runExample("token-streaming", { testInput: input }),
    ]);
    const text = (chunks: unknown[]) => (chunks as TokenChunk[]).map((c) => c.token).join("");
    expect(text(a.chunks).split(" ").filter(Boolean)).toHaveLength(12);
    expect(text(a.chunks)).toBe(text(b.chunks));
  });

  it("ends the stream with an error for an invalid max_tokens", async () => {
    const run = await runExample("token-streaming", { testInput: { input: { prompt: "x", max_tokens: 0 } } });
    expect(run.code).toBe(1);
    expect(run.chunks).toEqual([]);
    expect(run.failure).toBe("max_tokens must be a positive integer");
  });
});

describe("token-streaming on the platform", () => {
  it("posts every chunk to job-stream in order, then the aggregate with isStream=true", async () => {
    const run = await runOnPlatform("token-streaming", {
      id: "stream-1",
      input: { prompt: "The river", max_tokens: 8 },
    });
    expect(run.streamed).toHaveLength(9);
    expect(run.streamed.at(-1)).toEqual({ token: "", finished: true, usage: { tokens: 8 } });
    expect(run.resultIsStream).toBe(true);
    expect(run.result).toEqual({ output: run.streamed });
    expect(run.posts.at(-1)).toBe("result");
    expect(run.code).toBe(0);
  });
});
