/**
 * Pending stop signals per worker (a cancelled or timed-out job the worker must drop), delivered by its
 * job-stop long-poll. One node keeps them in memory; nodes sharing a store keep them in it, because the
 * worker's job-stop poll may be held by any node.
 */
import type { ClusterStore } from "../store/cluster-store.js";

export interface StopSignals {
  add(workerId: string, jobId: string, now: number): Promise<void>;
  /** Removes and returns the worker's pending stops. */
  take(workerId: string): Promise<string[]>;
  clear(workerId: string): Promise<void>;
}

/** A worker that never polls job-stop (old SDKs) must not grow the set without bound. */
export const MAX_PENDING_STOPS = 1000;

export class MemoryStopSignals implements StopSignals {
  private readonly stops = new Map<string, Set<string>>();

  add(workerId: string, jobId: string): Promise<void> {
    let set = this.stops.get(workerId);
    if (!set) {
      set = new Set();
      this.stops.set(workerId, set);
    }
    if (set.size < MAX_PENDING_STOPS) set.add(jobId);
    return Promise.resolve();
  }

  take(workerId: string): Promise<string[]> {
    const set = this.stops.get(workerId);
    if (!set || set.size === 0) return Promise.resolve([]);
    this.stops.delete(workerId);
    return Promise.resolve([...set]);
  }

  clear(workerId: string): Promise<void> {
    this.stops.delete(workerId);
    return Promise.resolve();
  }
}

export class StoreStopSignals implements StopSignals {
  constructor(private readonly store: ClusterStore) {}

  add(workerId: string, jobId: string, now: number): Promise<void> {
    return this.store.addStopSignal(workerId, jobId, now);
  }

  take(workerId: string): Promise<string[]> {
    return this.store.takeStopSignals(workerId, MAX_PENDING_STOPS);
  }

  clear(workerId: string): Promise<void> {
    return this.store.clearStopSignals(workerId);
  }
}
