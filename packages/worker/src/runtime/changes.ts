export interface WaitOptions {
  /** Resolve after this long even without a notify. */
  timeoutMs?: number;
  /** Resolve once this aborts. */
  signal?: AbortSignal;
  /**
   * Wake on a notify only if this holds then. A waiter that could do nothing with most changes (the take loop:
   * most changes in a job's life leave it no slot to fill) stays asleep through them instead of waking to look.
   * Notifiers call `notify` once the state they changed is complete, so the condition sees it as the waiter would.
   */
  until?: () => boolean;
}

/**
 * Wakes the runtime's loops when something they wait on may have changed: a job held or released, a slot freed
 * or handed back, a shutdown. Every waiter (whose `until`, if any, holds) wakes on the next `notify`; each then
 * looks at the state again.
 */
export class Changes {
  /** Each waiter's wake-up, with the condition it wakes on (undefined: any change). */
  readonly #waiters = new Map<() => void, (() => boolean) | undefined>();

  notify(): void {
    // Called several times a job, mostly with nobody to wake.
    if (this.#waiters.size === 0) return;
    let woken: (() => void)[] | undefined;
    for (const [wake, until] of this.#waiters) {
      if (until !== undefined && !until()) continue;
      woken ??= [];
      woken.push(wake);
    }
    if (woken !== undefined) for (const wake of woken) wake();
  }

  /** Resolves on the next `notify`, after `timeoutMs` (when given), or once `signal` aborts; never rejects. */
  next(options: WaitOptions = {}): Promise<void> {
    const { timeoutMs, signal, until } = options;
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
      this.#waiters.set(done, until);
    });
  }
}
