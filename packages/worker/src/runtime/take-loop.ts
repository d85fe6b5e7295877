import type { NormalizedConfig } from "../config.js";
import type { Logger } from "../logger.js";
import type { Job } from "../types.js";
import { nextConcurrency } from "./concurrency.js";
import { delay, errorText, type ProtocolHttp } from "./http.js";
import { parseTakeReply, type TakeOutcome } from "./take-reply.js";
import type { ProtocolUrls } from "./urls.js";
import type { WorkerState } from "./worker-state.js";

/** Poll bound for job-take and job-stop; Python uses 90 s, platforms hold 20–60 s. */
export const LONG_POLL_TIMEOUT_MS = 90_000;
export const RATE_LIMIT_BACKOFF_MS = 5000;
const MAX_ERROR_BACKOFF_MS = 10_000;
/** A job-take answered "nothing" faster than this means the platform does not long-poll. */
const FAST_EMPTY_MS = 250;

export function errorBackoff(consecutiveErrors: number): number {
  return Math.min(1000 * 2 ** Math.max(0, consecutiveErrors - 1), MAX_ERROR_BACKOFF_MS);
}

export interface TakeLoopOptions {
  state: WorkerState;
  config: NormalizedConfig;
  http: ProtocolHttp;
  urls: ProtocolUrls;
  log: Logger;
  /** Aborted on shutdown: ends the job-take long-poll in flight. */
  signal: AbortSignal;
  /** Holds the jobs a take answered and starts what the concurrency allows. */
  accept: (jobs: readonly Job[]) => void;
  fillSlots: () => void;
  /** Results wait in the batcher to be sent, and will ask for the free slots themselves. */
  resultsWaiting: () => boolean;
  /** A job-take was answered: time to start the heartbeat if it is not running yet. */
  answered: () => void;
  /** On while the worker waits idle in a job-take on Gantry (the heartbeat leaves out its pings then). */
  idlePolling: (on: boolean) => void;
}

/** Takes jobs for the free slots until shutdown, backing off on errors, 429s and platforms that do not long-poll. */
export async function runTakeLoop(options: TakeLoopOptions): Promise<void> {
  const { state, config, http, urls, log, signal } = options;
  let errors = 0;
  let fastEmpties = 0;
  let lastWarning = "";
  const warnConcurrency = (message: string): void => {
    if (message === lastWarning) return;
    lastWarning = message;
    log.warn(message);
  };
  // Asleep while it has nothing to take: most changes in a job's life (a job held, started, its result posted)
  // leave no slot for it, and waking to find that out costs a turn and a timer each time.
  const canTake = (): boolean => state.stopping || (state.freeSlots() > 0 && !options.resultsWaiting());
  while (!state.stopping) {
    const next = nextConcurrency(state.concurrency, config.concurrencyModifier, warnConcurrency);
    if (next !== state.concurrency) {
      log.info(`Concurrency set to ${next}.`);
      state.concurrency = next;
      http.sizeFor(next);
    }
    options.fillSlots();
    // Jobs whose results are still being posted free their slot (the next take does not wait for the post),
    // but at most `concurrency` of them may be in flight, so a slow platform slows the worker down.
    const occupied = state.held.occupied();
    const needed = state.freeSlots();
    if (needed <= 0 || options.resultsWaiting()) {
      await state.changes.next({ timeoutMs: 1000, until: canTake });
      continue;
    }
    const startedAt = Date.now();
    let outcome: TakeOutcome;
    state.takingSlots = needed;
    // Idle on Gantry: this long-poll itself tells the server the worker is alive (see Heartbeat.setIdlePolling).
    options.idlePolling(state.gantry && occupied === 0 && state.held.size === 0);
    try {
      const reply = await http.send(urls.takeUrl(needed, occupied > 0), {
        timeoutMs: LONG_POLL_TIMEOUT_MS,
        signal,
      });
      if (reply.gantryVersion !== undefined) state.gantry = true;
      outcome = parseTakeReply(reply);
    } catch (thrown) {
      if (signal.aborted) break;
      // Python silently re-polls after its 90 s bound; a platform holding that long is merely slow.
      if (thrown instanceof Error && thrown.name === "TimeoutError") continue;
      outcome = { kind: "error", reason: errorText(thrown) };
    } finally {
      state.takingSlots = 0;
      options.idlePolling(false);
    }
    // Before any handler runs: a synchronous one blocks this thread, and pings must go on meanwhile.
    options.answered();
    switch (outcome.kind) {
      case "jobs": {
        for (const reason of outcome.rejected) log.error(`Failed to get job. ${reason}`);
        if (outcome.jobs.length === 0) {
          errors++;
          await delay(errorBackoff(errors), signal);
          break;
        }
        errors = 0;
        fastEmpties = 0;
        options.accept(outcome.jobs);
        break;
      }
      case "empty": {
        errors = 0;
        if (Date.now() - startedAt < FAST_EMPTY_MS) {
          fastEmpties++;
          await delay(Math.min(100 * 2 ** (fastEmpties - 1), 1000), signal);
        } else {
          fastEmpties = 0;
        }
        break;
      }
      case "rate-limited":
        log.warn("job-take answered 429; backing off 5 s.");
        await delay(RATE_LIMIT_BACKOFF_MS, signal);
        break;
      case "error": {
        errors++;
        const wait = errorBackoff(errors);
        log.error(`Failed to get job. ${outcome.reason} (retrying in ${wait} ms)`);
        await delay(wait, signal);
        break;
      }
    }
  }
}
