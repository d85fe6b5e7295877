/**
 * In-process wake-ups for long-polls (take, stream, status-sync, job-stop) and live feeds (SSE).
 *
 * Each key carries a stamp that changes on every notify. A caller reads the stamp BEFORE looking at
 * the store and then waits for the stamp to move: a notify that lands between the look and the wait
 * is never lost, with no polling loop anywhere.
 */

interface Sleeper {
  wake(changed: boolean, detail?: unknown): void;
}

/** How a wait ended, with what the notifier handed its sleepers (in-process notifies only). */
export interface Wake {
  changed: boolean;
  /** Set only by a local `notify(key, detail)`: a wake-up relayed from another node never carries one. */
  detail?: unknown;
}

/** Stamps kept per generation; see `Waiters.stamps`. */
const DEFAULT_GENERATION = 10_000;

export class Waiters {
  private seq = 0;
  /**
   * Stamps live in two generations: when the current one fills, it becomes the old one and the oldest is dropped,
   * so memory stays bounded however many jobs are retained. Dropping is safe: a stamp only ever moves to a value
   * a reader has not seen (a dropped one reads as 0, a new one is a fresh `seq`), so the worst case is one
   * spurious wake-up of a reader that then re-checks the store, never a lost one.
   */
  private stamps = new Map<string, number>();
  private older = new Map<string, number>();
  private readonly generation: number;
  private readonly sleepers = new Map<string, Set<Sleeper>>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private closed = false;
  /**
   * Multi-node (set by the engine when it has a bus): every local notify is also handed here, and no sleep lasts
   * longer than `maxSleepMs`, so a waiter re-checks the store even if another node's wake-up was lost.
   */
  relay: ((key: string, wake: number | undefined) => void) | undefined;
  maxSleepMs: number | undefined;

  constructor(options: { generation?: number } = {}) {
    this.generation = Math.max(1, options.generation ?? DEFAULT_GENERATION);
  }

  stamp(key: string): number {
    return this.stamps.get(key) ?? this.older.get(key) ?? 0;
  }

  /** Stamps currently kept (diagnostics and tests). */
  tracked(): number {
    return this.stamps.size + this.older.size;
  }

  private move(key: string): void {
    this.stamps.set(key, ++this.seq);
    if (this.stamps.size >= this.generation) {
      this.older = this.stamps;
      this.stamps = new Map();
    }
  }

  /**
   * Resolves `true` as soon as the stamp of `key` differs from `seen` (at once if it already does),
   * `false` after `timeoutMs`, on abort, or when the hub closes.
   */
  waitChange(key: string, seen: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.sleep(key, seen, timeoutMs, signal, (changed) => changed);
  }

  /**
   * Like `waitChange`, with the detail of the notify that ended the wait: a waiter that would re-read what the
   * notifier already holds (a job's terminal record) can use it instead. No detail when the stamp had moved
   * before the wait began, on timeout or abort, or for a wake-up from another node.
   */
  waitWake(key: string, seen: number, timeoutMs: number, signal?: AbortSignal): Promise<Wake> {
    return this.sleep(key, seen, timeoutMs, signal, (changed, detail) =>
      detail === undefined ? { changed } : { changed, detail },
    );
  }

  private sleep<T>(
    key: string,
    seen: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    result: (changed: boolean, detail?: unknown) => T,
  ): Promise<T> {
    if (this.stamp(key) !== seen) return Promise.resolve(result(true));
    if (this.closed || signal?.aborted || timeoutMs <= 0) return Promise.resolve(result(false));
    return new Promise<T>((resolve) => {
      let set = this.sleepers.get(key);
      if (!set) {
        set = new Set();
        this.sleepers.set(key, set);
      }
      const bucket = set;
      const onAbort = (): void => sleeper.wake(false);
      const sleepMs = this.maxSleepMs === undefined ? timeoutMs : Math.min(timeoutMs, this.maxSleepMs);
      const timer = setTimeout(() => sleeper.wake(false), sleepMs);
      const sleeper: Sleeper = {
        wake: (changed, detail) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          bucket.delete(sleeper);
          if (bucket.size === 0 && this.sleepers.get(key) === bucket) this.sleepers.delete(key);
          resolve(result(changed, detail));
        },
      };
      bucket.add(sleeper);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Moves the stamp and wakes every sleeper and listener of `key`; sleepers in `waitWake` receive `detail`
   * (never relayed: other nodes re-read the store).
   */
  notify(key: string, detail?: unknown): void {
    this.relay?.(key, undefined);
    this.wakeAll(key, detail);
  }

  /** Moves the stamp and wakes the longest-waiting sleeper only (one new job → one taker). */
  notifyOne(key: string): void {
    this.relay?.(key, 1);
    this.deliver(key, 1);
  }

  /** A wake-up from another node: like notify (or `wake` sleepers), without relaying it back. */
  deliver(key: string, wake?: number): void {
    if (wake !== undefined) {
      this.move(key);
      const set = this.sleepers.get(key);
      for (let i = 0; set && i < wake; i++) {
        const next = set.values().next();
        if (next.done) break;
        next.value.wake(true);
      }
      this.fire(key);
      return;
    }
    this.wakeAll(key);
  }

  private wakeAll(key: string, detail?: unknown): void {
    this.move(key);
    for (const s of [...(this.sleepers.get(key) ?? [])]) s.wake(true, detail);
    this.fire(key);
  }

  /** Calls `fn` on every notify of `key` until the returned function is called. */
  on(key: string, fn: () => void): () => void {
    let set = this.listeners.get(key);
    if (!set) {
      set = new Set();
      this.listeners.set(key, set);
    }
    const bucket = set;
    bucket.add(fn);
    return () => {
      bucket.delete(fn);
      if (bucket.size === 0 && this.listeners.get(key) === bucket) this.listeners.delete(key);
    };
  }

  /** Drops the stamp of a key that will never be notified again (a deleted job). */
  forget(key: string): void {
    if (!this.sleepers.has(key) && !this.listeners.has(key)) {
      this.stamps.delete(key);
      this.older.delete(key);
    }
  }

  sleeping(key: string): number {
    return this.sleepers.get(key)?.size ?? 0;
  }

  /** Live-feed listeners of `key` (diagnostics and tests: an SSE client that left must not stay subscribed). */
  listening(key: string): number {
    return this.listeners.get(key)?.size ?? 0;
  }

  /** Releases every sleeper with `false`; later waits return `false` at once. */
  close(): void {
    this.closed = true;
    for (const set of [...this.sleepers.values()]) for (const s of [...set]) s.wake(false);
  }

  private fire(key: string): void {
    for (const fn of [...(this.listeners.get(key) ?? [])]) {
      try {
        fn();
      } catch {
        // A listener's failure must not stop the notifier (a store write already happened).
      }
    }
  }
}

/** A long-poll's wait: at least 0, at most `max` (the route's hold, or the engine's bound). */
export const clampWait = (ms: number, max: number): number =>
  Number.isFinite(ms) ? Math.min(Math.max(0, ms), max) : 0;
