import type { Logger } from "../logger.js";
import { delay, errorText, type HttpReply, type ProtocolHttp } from "./http.js";
import { errorBackoff, LONG_POLL_TIMEOUT_MS, RATE_LIMIT_BACKOFF_MS } from "./take-loop.js";
import { parseStopReply } from "./take-reply.js";
import type { WorkerState } from "./worker-state.js";

export interface StopLoopOptions {
  state: WorkerState;
  http: ProtocolHttp;
  /** The job-stop URL; undefined when the take template gives none (per-job stop is then off). */
  url: string | undefined;
  log: Logger;
  /** Aborted on shutdown: ends the job-stop long-poll in flight. */
  signal: AbortSignal;
  /** Stops the jobs a job-stop answer named. */
  stop: (ids: readonly string[]) => void;
}

/** Resolves once the worker holds a job, or on shutdown. */
async function untilHolding(state: WorkerState, signal: AbortSignal): Promise<void> {
  while (state.held.size === 0 && !signal.aborted) await state.changes.next({ signal });
}

/** Polls job-stop until shutdown and stops the jobs it names. */
export async function runStopLoop(options: StopLoopOptions): Promise<void> {
  const { state, http, url, log, signal } = options;
  if (url === undefined) {
    log.warn("RUNPOD_WEBHOOK_GET_JOB has no /job-take/ segment; per-job stop is disabled.");
    return;
  }
  let errors = 0;
  while (!state.stopping) {
    if (state.gantry && state.held.size === 0) {
      // Idle on Gantry: there is nothing to stop, and the server keeps a stop for a job taken later until the
      // next poll, which starts as soon as a job is held. Half an idle worker's requests saved.
      await untilHolding(state, signal);
      if (signal.aborted) break;
      continue;
    }
    let reply: HttpReply;
    try {
      reply = await http.send(url, { timeoutMs: LONG_POLL_TIMEOUT_MS, signal });
    } catch (thrown) {
      if (signal.aborted) break;
      if (thrown instanceof Error && thrown.name === "TimeoutError") continue;
      errors++;
      log.error(`Failed to get stop signals. ${errorText(thrown)}`);
      await delay(errorBackoff(errors), signal);
      continue;
    }
    if (reply.status === 429) {
      await delay(RATE_LIMIT_BACKOFF_MS, signal);
      continue;
    }
    if (reply.status >= 400) {
      errors++;
      log.error(`Failed to get stop signals. job-stop answered HTTP ${reply.status}`);
      await delay(errorBackoff(errors), signal);
      continue;
    }
    errors = 0;
    const { ids, dropped } = parseStopReply(reply);
    if (dropped > 0) log.warn(`job-stop named ${dropped} non-string id(s); ignored.`);
    if (ids.length > 0) options.stop(ids);
    // Python waits at least 1 s after an empty reply; it also keeps a non-long-polling platform cheap.
    else await delay(1000, signal);
  }
}
