/**
 * Model loaded once at start-up: the NLP model (wink-nlp with its English "lite" model) is loaded at module
 * level, before `start()`, and its load time is logged. Every job then reuses it, so only the worker's cold
 * start pays the loading cost.
 *
 * The handler does real NLP on `input.text`: sentences, tokens, named entities and part-of-speech counts.
 */
import { type Job, log, start } from "@gantry/worker";
import model from "wink-eng-lite-web-model";
import winkNLP from "wink-nlp";

log.info("Loading model...");
const loadStart = performance.now();
const nlp = winkNLP(model);
const its = nlp.its;
log.info(`Model loaded in ${((performance.now() - loadStart) / 1000).toFixed(2)}s`);

const MAX_TEXT = 100_000;

interface NlpInput {
  text?: unknown;
}

function handler(job: Job<NlpInput>) {
  const { text } = job.input;
  if (typeof text !== "string" || text.trim() === "") return { error: "text must be a non-empty string" };
  if (text.length > MAX_TEXT) return { error: `text exceeds ${MAX_TEXT} characters` };

  const doc = nlp.readDoc(text);
  const posCounts: Record<string, number> = {};
  for (const pos of doc.tokens().out(its.pos)) posCounts[pos] = (posCounts[pos] ?? 0) + 1;
  const words = doc.tokens().filter((t) => t.out(its.type) === "word");

  return {
    sentences: doc.sentences().out(),
    tokens: doc.tokens().length(),
    words: words.length(),
    entities: doc.entities().out(its.detail),
    pos_counts: posCounts,
  };
}

start({ handler });
