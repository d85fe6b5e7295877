/**
 * Basic handler: the smallest complete worker. One function receives the job (`id` + `input`),
 * does the work and returns a plain object; `start()` connects it to the platform.
 *
 * Like the seed, it returns `{ output: result }`. The SDK does not unwrap `output`, so clients
 * read the result at `output.output` — return `result` directly if you want it at `output`.
 */
import { type Job, start } from "@gantry/worker";

interface BasicInput {
  text?: unknown;
}

interface TextStats {
  characters: number;
  words: number;
  sentences: number;
  longest_word: string;
  top_words: Array<{ word: string; count: number }>;
}

function process(text: string): TextStats {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1);
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([word, count]) => ({ word, count }));
  const longest = words.reduce((best, w) => (w.length > best.length ? w : best), "");
  const sentences = text.split(/[.!?]+/).filter((s) => s.trim() !== "").length;
  return { characters: text.length, words: words.length, sentences, longest_word: longest, top_words: top };
}

function handler(job: Job<BasicInput>) {
  const { text } = job.input;
  if (typeof text !== "string" || text.trim() === "") {
    return { error: "input.text must be a non-empty string" };
  }
  return { output: process(text) };
}

start({ handler });
