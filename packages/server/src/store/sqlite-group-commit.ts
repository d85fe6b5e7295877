/**
 * Group commit for the SQLite store. Every write of one event-loop turn runs inside one transaction (each call
 * in a savepoint of its own, so a failing call undoes only itself), and the transaction commits in the check
 * phase of that turn (`setImmediate`). A commit writes every changed page to the WAL once, so requests that
 * arrive together (a `/run`, a job-take and a job-done touch the same index and table pages) share that cost.
 *
 * Durability is unchanged: no promise resolves before the commit that holds its change, and a failed commit
 * rejects every call of the batch. A read made while a batch is open may see the batch's changes, so it too
 * resolves only after that commit: nobody answers from state that could still roll back.
 *
 * Several connections to one file in one process (engines sharing a store in tests, tools next to a server):
 * a second connection's BEGIN would wait, synchronously, on the first one's open transaction while blocking
 * the only thread that can commit it. So a batch about to open first commits the other open batches on the same
 * file; with one connection per file, the usual case, that costs one map lookup.
 */
import type Database from "better-sqlite3";

interface Waiter {
  resolve(): void;
  reject(err: unknown): void;
}

/** Group commits per database file in this process (in-memory databases are private and not listed). */
const byFile = new Map<string, Set<GroupCommit>>();

export class GroupCommit {
  private batch: Waiter[] | undefined;
  private readonly savepoint: (fn: () => unknown) => unknown;
  private readonly peers: Set<GroupCommit> | undefined;

  /** `afterCommit` runs after each successful COMMIT, outside any transaction (the WAL checkpointer's restart). */
  constructor(
    private readonly db: Database.Database,
    private readonly afterCommit?: () => void,
  ) {
    // Built once: creating better-sqlite3's transaction wrapper per call is costly. Called inside the open
    // batch, it runs `fn` in a SAVEPOINT.
    this.savepoint = db.transaction((fn: () => unknown) => fn());
    if (!db.memory) {
      let peers = byFile.get(db.name);
      if (!peers) {
        peers = new Set();
        byFile.set(db.name, peers);
      }
      peers.add(this);
      this.peers = peers;
    }
  }

  /** Commits what is open and leaves the file's list (call before closing the database). */
  dispose(): void {
    this.flush();
    if (!this.peers) return;
    this.peers.delete(this);
    if (this.peers.size === 0 && byFile.get(this.db.name) === this.peers) byFile.delete(this.db.name);
  }

  /** Runs `fn` atomically in the current batch; resolves with its value once the batch committed. */
  write<T>(fn: () => T): Promise<T> {
    let value: T;
    try {
      this.open();
      value = this.savepoint(fn) as T;
    } catch (err) {
      return Promise.reject(err);
    }
    return this.settle(value);
  }

  /** Runs `fn` (one statement, or reads only) now; resolves at once, or after the open batch commits. */
  read<T>(fn: () => T): Promise<T> {
    let value: T;
    try {
      value = fn();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.settle(value);
  }

  /** `value` once whatever is written so far is committed. */
  settle<T>(value: T): Promise<T> {
    const batch = this.batch;
    if (!batch) return Promise.resolve(value);
    return new Promise<T>((resolve, reject) => batch.push({ resolve: () => resolve(value), reject }));
  }

  /** Commits the open batch now (before closing the database). */
  flush(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    try {
      this.db.exec("COMMIT");
    } catch (err) {
      try {
        if (this.db.inTransaction) this.db.exec("ROLLBACK");
      } catch {
        // The rollback error adds nothing to the commit error every caller receives.
      }
      for (const w of batch) w.reject(err);
      return;
    }
    for (const w of batch) w.resolve();
    this.afterCommit?.();
  }

  private open(): void {
    if (this.batch) return;
    if (this.peers && this.peers.size > 1) for (const p of this.peers) if (p !== this) p.flush();
    this.db.exec("BEGIN IMMEDIATE");
    this.batch = [];
    setImmediate(() => this.flush());
  }
}
