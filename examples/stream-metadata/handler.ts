/**
 * Streaming with metadata: a generator handler that processes a list of items and yields, for each one,
 * its result together with progress metadata (`progress` %, `remaining`, `finished`), so a client
 * reading `/stream` can show a progress bar while results arrive.
 *
 * Each item is an integer; processing it means factorising it into primes by trial division.
 */
import { type Job, start } from "@gantry/worker";

interface MetadataInput {
  items?: unknown;
}

interface Factorisation {
  n: number;
  factors: number[];
  is_prime: boolean;
}

type Chunk =
  | { result: Factorisation; progress: number; remaining: number; finished: boolean }
  | { error: string };

// Trial division up to sqrt(1e12) = 1e6 keeps each item well under a second.
const MAX_ITEM = 1e12;

function processItem(n: number): Factorisation {
  const factors: number[] = [];
  let rest = n;
  for (let d = 2; d * d <= rest; d += d === 2 ? 1 : 2) {
    while (rest % d === 0) {
      factors.push(d);
      rest /= d;
    }
  }
  if (rest > 1) factors.push(rest);
  return { n, factors, is_prime: factors.length === 1 };
}

function* handler(job: Job<MetadataInput>): Generator<Chunk> {
  const { items } = job.input;
  // An `{ error }` chunk ends the stream and becomes the job's error.
  if (!Array.isArray(items) || items.length === 0) {
    yield { error: "items must be a non-empty array of integers" };
    return;
  }
  const bad = items.findIndex((v) => typeof v !== "number" || !Number.isInteger(v) || v < 2 || v > MAX_ITEM);
  if (bad !== -1) {
    yield { error: `items[${bad}] must be an integer between 2 and ${MAX_ITEM}` };
    return;
  }

  const total = items.length;
  for (const [i, item] of (items as number[]).entries()) {
    yield {
      result: processItem(item),
      progress: Math.round(((i + 1) / total) * 10000) / 100,
      remaining: total - i - 1,
      finished: i === total - 1,
    };
  }
}

start({ handler, returnAggregateStream: true });
