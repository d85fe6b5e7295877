/**
 * Serialises the posts of one job (progress updates, then the final result) so the platform sees them in
 * the order the handler made them and never a progress update after the result (Python's are unordered).
 */
export class JobPostChain {
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  /** Queues `task` after every earlier one; false (and nothing queued) once the chain is closed. */
  enqueue(task: () => Promise<void>): Promise<void> | undefined {
    if (this.#closed) return undefined;
    const next = this.#tail.then(task).catch(() => {
      // Each task reports its own failure; one failed post must not block the ones after it.
    });
    this.#tail = next;
    return next;
  }

  /** Stops accepting tasks and resolves once the queued ones have settled. */
  close(): Promise<void> {
    this.#closed = true;
    // The tail itself, not an async wrapper around it: one promise hop less for every job.
    return this.#tail;
  }

  get closed(): boolean {
    return this.#closed;
  }
}
