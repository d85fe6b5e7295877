/**
 * Long-running job with progress: processes a batch of items one by one and reports the percentage done
 * after each with `progressUpdate(job, percent)`. Clients polling `/status` see the latest percentage as
 * the job's output while it is IN_PROGRESS; the final result replaces it.
 *
 * Each item is an upper bound n; processing it counts the primes below n with a sieve of Eratosthenes.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { type HandlerContext, type Job, progressUpdate, start } from "@gantry/worker";

interface ProgressInput {
  items?: unknown;
}

const MAX_ITEM = 50_000_000;

function countPrimesBelow(n: number): number {
  if (n < 3) return 0;
  const composite = new Uint8Array(n);
  let count = 0;
  for (let i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    for (let j = i * i; j < n; j += i) composite[j] = 1;
  }
  return count;
}

async function handler(job: Job<ProgressInput>, ctx: HandlerContext) {
  const { items } = job.input;
  if (!Array.isArray(items) || items.length === 0) return { error: "items must be a non-empty array" };
  if (!items.every((v) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_ITEM)) {
    return { error: `every item must be an integer between 0 and ${MAX_ITEM}` };
  }

  const total = items.length;
  const results: Array<{ n: number; primes_below: number }> = [];
  for (const [i, n] of (items as number[]).entries()) {
    // A cancelled or timed-out job stops between items instead of finishing the batch.
    ctx.signal.throwIfAborted();
    results.push({ n, primes_below: countPrimesBelow(n) });

    const progress = Math.trunc(((i + 1) / total) * 100);
    // Awaiting keeps updates ordered; the SDK also sends them before the final result.
    await progressUpdate(job, progress);
    // Yield to the event loop so pending I/O (progress posts, cancel signals) is handled between items.
    await nextTurn();
  }

  return { results, total_processed: total };
}

start({ handler });
