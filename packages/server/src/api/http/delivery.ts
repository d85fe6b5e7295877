/**
 * Whether an answer reached its client: jobs or stop ids answered to a connection that closed first must go back,
 * or they would wait for a lease to lapse (and then count as a retry). The request (`ApiCall`) is the `Delivery`
 * handed to the code that answers with jobs.
 */

export interface Delivery {
  /** The client has already gone: nothing written now would reach it. */
  gone(): boolean;
  /** Calls `fn` once if the connection closes before the answer is fully written. */
  onLost(fn: () => void): void;
}
