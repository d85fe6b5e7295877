/**
 * Wakes the runtime's loops when something they wait on may have changed: a job held or released, a slot freed
 * or handed back, a shutdown. Every waiter wakes on the next `notify`; each then looks at the state again.
 */
export class Changes {
  readonly #waiters = new Set<() => void>();

  notify(): void {
    // Called several times a job, mostly with nobody waiting.
    if (this.#waiters.size === 0) return;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next `notify`, after `timeoutMs` (when given), or once `signal` aborts; never rejects. */
  next(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const { timeoutMs, signal } = options;
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(done, timeoutMs);
      signal?.addEventListener("abort", done, { once: true });
      this.#waiters.add(done);
    });
  }
}
