/**
 * Whether an answer reached its client: jobs or stop ids answered to a connection that closed first must go back,
 * or they would wait for a lease to lapse (and then count as a retry). Both ways in (the Hono routes and the fast
 * lane) hand a `Delivery` to the code that answers with jobs.
 */
import type { ServerResponse } from "node:http";

export interface Delivery {
  /** The client has already gone: nothing written now would reach it. */
  gone(): boolean;
  /** Calls `fn` once if the connection closes before the answer is fully written. */
  onLost(fn: () => void): void;
}

/**
 * From the node response alone, which tells a drop from a delivered answer: 'close' before the response was fully
 * written means the client never got it. It costs one listener; the request's `AbortSignal` would first build an
 * AbortController in the adapter, on the path of every job handed out.
 */
export function responseDelivery(outgoing: ServerResponse): Delivery {
  return {
    gone: () => outgoing.destroyed && !outgoing.writableFinished,
    onLost: (fn) => {
      outgoing.once("close", () => {
        if (!outgoing.writableFinished) fn();
      });
    },
  };
}

/** From a request's signal, where there is no node response (`app.request` in tests). */
export function signalDelivery(signal: AbortSignal): Delivery {
  return {
    gone: () => signal.aborted,
    onLost: (fn) => signal.addEventListener("abort", fn, { once: true }),
  };
}
