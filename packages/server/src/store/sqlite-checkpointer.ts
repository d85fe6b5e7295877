/**
 * WAL checkpoints off the serving thread.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL past 1,000 pages, on the thread that
 * committed: it syncs the WAL, copies those pages into the database file and syncs that. On the event loop that
 * stalled every request of that turn for 15–25 ms, which was the p99 of `/runsync`. Here a second
 * connection on a worker thread runs PASSIVE checkpoints (the copying and both syncs), which never wait for,
 * nor block, the serving connection; once the thread is ready the serving connection turns its automatic
 * checkpoint off (until then, and if the thread ever fails, SQLite's own checkpoint stays on).
 *
 * A passive checkpoint copies every frame committed before it began, but the WAL only starts over when a
 * writer finds it wholly copied, which under steady writes (a commit every millisecond) never happens. So once
 * the thread sees the WAL past `maxWalBytes` it says so, and the serving connection runs a RESTART checkpoint
 * itself right after its next COMMIT: nothing else writes then, only the frames since the thread's last pass
 * are left to copy, and it never waits (busy timeout 0: if the thread is mid-pass it simply tries again after
 * the next commit). A first version ran the RESTART on the thread, where it held the writer lock while the
 * serving connection slept in SQLite's busy handler (whose naps grow to 100 ms): 0.2–0.6 s event-loop stalls
 * under a sustained insert load, and a `database is locked` once under a profiler.
 *
 * The thread passes only when something was committed since its last pass: idle, it sleeps on a shared commit
 * counter (no timer wakes it; a pass every 100 ms on an idle server cost 0.7 % of a core on this 2-core VM).
 *
 * Durability is unchanged: a checkpoint only moves committed pages from the WAL into the database file; a crash
 * at any point leaves the WAL to replay. On close whichever connection closes last checkpoints and removes the WAL.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";

export interface CheckpointerOptions {
  /** How often the thread checks for frames to copy. Default 100 ms. */
  intervalMs?: number;
  /** WAL size past which the serving connection restarts the WAL after its next commit. Default 64 MiB. */
  maxWalBytes?: number;
  /** The thread starts this long after the store opens: short-lived stores (tests, tools) never pay for one. */
  startAfterMs?: number;
  /** The thread reports every checkpoint to `watch` (tests). */
  report?: boolean;
  /** A checkpoint failed on the thread (the serving connection is unaffected). */
  onError?(err: Error): void;
}

/** What the thread reports: ready, each checkpoint (tests watch the WAL with it), or a failure. */
type ThreadMessage =
  | { type: "ready" }
  | { type: "checkpoint"; mode: "PASSIVE" | "RESTART"; log: number; checkpointed: number }
  | { type: "restart-due"; log: number }
  | { type: "error"; message: string };

/** Plain CommonJS text, so it runs the same from `dist/` and from the sources under tsx or vitest. */
const THREAD_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
// A passive checkpoint never waits; the timeout only covers opening and closing.
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = NORMAL");
db.pragma("wal_autocheckpoint = 0");
const maxFrames = Math.max(1, Math.floor(workerData.maxWalBytes / db.pragma("page_size", { simple: true })));
const passive = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
// Bumped by the serving connection after each commit: with nothing committed since the last pass the thread
// sleeps on it (no timer), so an idle server pays no wake-ups for its checkpoints.
const commits = new Int32Array(workerData.commits);
let seen = Atomics.load(commits, 0);
let timer;
let closed = false;
function run(mode, statement) {
  const r = statement.get();
  if (workerData.report) parentPort.postMessage({ type: "checkpoint", mode, log: r.log, checkpointed: r.checkpointed });
  return r;
}
function later() {
  if (!closed) timer = setTimeout(tick, workerData.intervalMs);
}
// The next pass comes an interval after the first commit since this one began.
function schedule() {
  if (closed) return;
  const wait = Atomics.waitAsync(commits, 0, seen);
  if (wait.async) wait.value.then(later);
  else later();
}
function tick() {
  if (closed) return;
  seen = Atomics.load(commits, 0);
  try {
    const r = run("PASSIVE", passive);
    if (r.log >= maxFrames) parentPort.postMessage({ type: "restart-due", log: r.log });
  } catch (err) {
    parentPort.postMessage({ type: "error", message: String(err && err.message || err) });
  }
  schedule();
}
parentPort.on("message", (m) => {
  if (m !== "close") return;
  closed = true;
  clearTimeout(timer);
  // The last connection to close checkpoints everything and removes the WAL.
  db.close();
  parentPort.close();
});
parentPort.postMessage({ type: "ready" });
timer = setTimeout(tick, workerData.intervalMs);
`;

const DRIVER = createRequire(import.meta.url).resolve("better-sqlite3");
/** SQLite's default `wal_autocheckpoint`, restored if the thread fails. */
const SQLITE_AUTOCHECKPOINT = 1000;

export class WalCheckpointer {
  /** Commits of the serving connection, shared with the thread (see its `schedule`). */
  private readonly commits = new Int32Array(new SharedArrayBuffer(4));
  private worker: Worker | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> | undefined;
  private closed = false;
  /** The thread saw the WAL past its bound: the serving connection restarts it after its next commit. */
  private restartDue = false;
  private readonly listeners = new Set<(m: ThreadMessage) => void>();

  /** Does nothing for an in-memory database (no WAL). */
  constructor(
    private readonly db: Database.Database,
    private readonly options: CheckpointerOptions = {},
  ) {
    if (db.memory) return;
    const delay = options.startAfterMs ?? 500;
    if (delay <= 0) this.start();
    else {
      this.startTimer = setTimeout(() => this.start(), delay);
      this.startTimer.unref();
    }
  }

  /** Whether the thread has taken the checkpoints over (diagnostics and tests). */
  get active(): boolean {
    return (
      this.worker !== undefined &&
      this.db.open &&
      this.db.pragma("wal_autocheckpoint", { simple: true }) === 0
    );
  }

  /** Calls `fn` with every message of the thread (tests). */
  watch(fn: (m: ThreadMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private start(): void {
    this.startTimer = undefined;
    if (this.closed || !this.db.open) return;
    const worker = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: {
        driver: DRIVER,
        path: this.db.name,
        intervalMs: this.options.intervalMs ?? 100,
        maxWalBytes: this.options.maxWalBytes ?? 64 * 1024 * 1024,
        report: this.options.report === true,
        commits: this.commits.buffer,
      },
    });
    // A store nobody closed must not keep the process alive.
    worker.unref();
    this.worker = worker;
    this.exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.on("message", (m: ThreadMessage) => {
      if (m.type === "ready" && !this.closed && this.db.open) this.db.pragma("wal_autocheckpoint = 0");
      if (m.type === "restart-due") this.restartDue = true;
      if (m.type === "error") this.options.onError?.(new Error(`WAL checkpoint failed: ${m.message}`));
      for (const fn of this.listeners) fn(m);
    });
    worker.on("error", (err) => {
      this.fallBack();
      this.options.onError?.(err);
    });
    worker.once("exit", () => this.fallBack());
  }

  /**
   * Call right after each COMMIT of the serving connection. When the WAL is due to start over, checkpoints what
   * the thread has not copied yet and restarts it, without waiting: a busy answer (the thread is mid-pass) is
   * retried after the next commit.
   */
  afterCommit(): void {
    Atomics.add(this.commits, 0, 1);
    Atomics.notify(this.commits, 0);
    if (!this.restartDue || this.closed || !this.db.open || this.db.inTransaction) return;
    const timeout = this.db.pragma("busy_timeout", { simple: true }) as number;
    try {
      this.db.pragma("busy_timeout = 0");
      const [r] = this.db.pragma("wal_checkpoint(RESTART)") as {
        busy: number;
        log: number;
        checkpointed: number;
      }[];
      if (r && r.busy === 0) {
        this.restartDue = false;
        for (const fn of this.listeners)
          fn({ type: "checkpoint", mode: "RESTART", log: r.log, checkpointed: r.checkpointed });
      }
    } catch (err) {
      // SQLITE_BUSY may also surface as an error; the next commit tries again.
      if ((err as { code?: string }).code !== "SQLITE_BUSY") this.options.onError?.(err as Error);
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  /** The thread is gone: SQLite's own checkpoint takes over again. */
  private fallBack(): void {
    this.worker = undefined;
    if (!this.closed && this.db.open) this.db.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT}`);
  }

  /** Stops the thread; resolves once its connection is closed. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.startTimer);
    this.startTimer = undefined;
    const worker = this.worker;
    if (!worker || !this.exited) return Promise.resolve();
    worker.postMessage("close");
    // Ends a sleep on the commit counter, which would otherwise keep the thread alive.
    Atomics.add(this.commits, 0, 1);
    Atomics.notify(this.commits, 0);
    const exited = this.exited;
    // A thread stuck in a checkpoint must not hold a shutdown forever.
    const timer = setTimeout(() => void worker.terminate(), 10_000);
    return exited.finally(() => clearTimeout(timer));
  }
}
