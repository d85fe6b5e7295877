/**
 * Progress with status messages: a multi-stage job (preprocess → inference → postprocess) that reports
 * each stage with `ctx.progress(percent, message)`. With a message the update's output is
 * `{ progress, message }`; without one it is the bare value, exactly as the Python SDK sends it.
 *
 * The "model" is a small keyword extractor: stop-word filtering, term and bigram frequencies,
 * then the top-k keywords with normalised scores.
 */
import { type HandlerContext, type Job, start } from "@gantry/worker";

interface KeywordInput {
  text?: unknown;
  top_k?: unknown;
}

const STOP_WORDS = new Set(
  (
    "a an and are as at be but by for from has have he her his i in is it its of on or she so that the their " +
    "them then there they this to was we were what when which who will with you your not no do does did can " +
    "could would should than too very just also into over under about after before more most some any all"
  ).split(" "),
);

function preprocess(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize("NFKC")
      .match(/[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu) ?? []
  ).filter((w) => w.length > 1 && !STOP_WORDS.has(w));
}

/** Scores unigrams by frequency and adds adjacent pairs that repeat (phrases) with a bonus. */
function infer(tokens: string[]): Map<string, number> {
  const scores = new Map<string, number>();
  const bump = (term: string, by: number) => scores.set(term, (scores.get(term) ?? 0) + by);
  for (const token of tokens) bump(token, 1);
  const pairs = new Map<string, number>();
  for (let i = 0; i + 1 < tokens.length; i++) {
    const pair = `${tokens[i]} ${tokens[i + 1]}`;
    pairs.set(pair, (pairs.get(pair) ?? 0) + 1);
  }
  for (const [pair, count] of pairs) if (count > 1) bump(pair, count * 1.5);
  return scores;
}

function postprocess(scores: Map<string, number>, topK: number) {
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, topK);
  const best = ranked[0]?.[1] ?? 1;
  return ranked.map(([term, score]) => ({ term, score: Math.round((score / best) * 1000) / 1000 }));
}

async function handler(job: Job<KeywordInput>, ctx: HandlerContext) {
  const { text, top_k: topK = 5 } = job.input;
  if (typeof text !== "string" || text.trim() === "") return { error: "text must be a non-empty string" };
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1 || topK > 100) {
    return { error: "top_k must be an integer between 1 and 100" };
  }

  await ctx.progress(10, "Preprocessing input...");
  const tokens = preprocess(text);

  await ctx.progress(30, "Running inference...");
  const scores = infer(tokens);

  await ctx.progress(80, "Postprocessing results...");
  const keywords = postprocess(scores, topK);

  await ctx.progress(100, "Complete");
  return { result: { keywords, tokens: tokens.length } };
}

start({ handler });
