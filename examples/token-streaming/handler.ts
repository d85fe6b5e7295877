/**
 * Token streaming: an async generator handler yields one `{ token, finished }` chunk per generated word,
 * then a final chunk with usage. With `returnAggregateStream: true` the job's final output is the list of
 * every chunk, so clients that only poll `/status` still get the whole text.
 *
 * The "model" is a word-level order-2 Markov chain trained at start-up on corpus.txt (shipped beside this file).
 */
import { readFileSync } from "node:fs";
import { setImmediate as nextTurn } from "node:timers/promises";
import { type HandlerContext, type Job, log, start } from "@gantry/worker";
import { MarkovChain } from "./markov.js";

const MAX_TOKENS_LIMIT = 2000;

// Train once, before start(): every job reuses the same chain.
const trainStart = performance.now();
const model = new MarkovChain(readFileSync(new URL("./corpus.txt", import.meta.url), "utf8"));
log.info(
  `Model trained in ${((performance.now() - trainStart) / 1000).toFixed(3)}s ` +
    `(${model.wordCount} words, ${model.stateCount} states)`,
);

interface StreamInput {
  prompt?: unknown;
  max_tokens?: unknown;
}

type Chunk =
  | { token: string; finished: false }
  | { token: ""; finished: true; usage: { tokens: number } }
  | { error: string };

async function* handler(job: Job<StreamInput>, ctx: HandlerContext): AsyncGenerator<Chunk> {
  const { prompt = "", max_tokens: maxTokens = 50 } = job.input;
  if (typeof prompt !== "string") {
    yield { error: "prompt must be a string" };
    return;
  }
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1) {
    yield { error: "max_tokens must be a positive integer" };
    return;
  }
  if (maxTokens > MAX_TOKENS_LIMIT) {
    yield { error: `max_tokens exceeds limit of ${MAX_TOKENS_LIMIT}` };
    return;
  }

  let tokenCount = 0;
  for (const word of model.generate(prompt, maxTokens)) {
    // Stop generating as soon as the job is cancelled or timed out.
    if (ctx.signal.aborted) return;
    tokenCount++;
    // Leading space: clients concatenate tokens to rebuild the text, as with LLM tokens.
    yield { token: ` ${word}`, finished: false };
    // Let the event loop breathe between tokens (stream posts, cancel signals).
    await nextTurn();
  }
  yield { token: "", finished: true, usage: { tokens: tokenCount } };
}

start({ handler, returnAggregateStream: true });
