/**
 * WAL checkpoints off the serving thread.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL past 1,000 pages, on the thread that
 * committed: it copies those pages into the database file and fsyncs it. On the event loop that stalled every
 * request of that turn for 15–25 ms, which was the p99 of `/runsync` (issue #6). Here a second connection on a
 * worker thread runs PASSIVE checkpoints, which never wait for, nor block, the serving connection; once the
 * thread is ready the serving connection turns its automatic checkpoint off (until then, and if the thread ever
 * fails, SQLite's own checkpoint stays on, so the WAL is never left unchecked).
 *
 * A passive checkpoint copies every frame committed before it began, and the next writer then rewinds the WAL to
 * its start, but only if no commit landed while it ran: under steady writes (a commit every millisecond) that
 * never happens. So once the WAL passes `maxWalBytes` the thread runs a RESTART checkpoint right after a passive
 * one: it holds writers off while it copies the few frames left and fsyncs (a few milliseconds, once per 64 MiB
 * of WAL rather than 15–25 ms once per 4 MiB), and the next writer starts the WAL over. RESTART rather than
 * TRUNCATE: the file keeps its size, so later commits overwrite it in place instead of growing it (cheaper on
 * ext4), and the bound holds the same. Measured with a 3-index table, a transaction every 1 ms for 10 s: automatic
 * checkpoints 77 transactions over 5 ms (p99 17 ms); this, 5 (p99 0.34 ms); no checkpoint at all, 0–1.
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
  /** WAL size past which writers are held off for a RESTART checkpoint. Default 64 MiB. */
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
  | { type: "error"; message: string };

/** Plain CommonJS text, so it runs the same from `dist/` and from the sources under tsx or vitest. */
const THREAD_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
// Only the RESTART checkpoint waits (for the serving connection's current transaction, one event-loop turn).
db.pragma("busy_timeout = 5000");
db.pragma("synchronous = NORMAL");
db.pragma("wal_autocheckpoint = 0");
const maxFrames = Math.max(1, Math.floor(workerData.maxWalBytes / db.pragma("page_size", { simple: true })));
const passive = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
const restart = db.prepare("PRAGMA wal_checkpoint(RESTART)");
let timer;
let closed = false;
function run(mode, statement) {
  const r = statement.get();
  if (workerData.report) parentPort.postMessage({ type: "checkpoint", mode, log: r.log, checkpointed: r.checkpointed });
  return r;
}
function tick() {
  if (closed) return;
  try {
    const r = run("PASSIVE", passive);
    if (r.log >= maxFrames) run("RESTART", restart);
  } catch (err) {
    parentPort.postMessage({ type: "error", message: String(err && err.message || err) });
  }
  timer = setTimeout(tick, workerData.intervalMs);
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
  private worker: Worker | undefined;
  private startTimer: NodeJS.Timeout | undefined;
  private exited: Promise<void> | undefined;
  private closed = false;
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
      },
    });
    // A store nobody closed must not keep the process alive.
    worker.unref();
    this.worker = worker;
    this.exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.on("message", (m: ThreadMessage) => {
      if (m.type === "ready" && !this.closed && this.db.open) this.db.pragma("wal_autocheckpoint = 0");
      if (m.type === "error") this.options.onError?.(new Error(`WAL checkpoint failed: ${m.message}`));
      for (const fn of this.listeners) fn(m);
    });
    worker.on("error", (err) => {
      this.fallBack();
      this.options.onError?.(err);
    });
    worker.once("exit", () => this.fallBack());
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
    const exited = this.exited;
    // A thread stuck in a checkpoint must not hold a shutdown forever.
    const timer = setTimeout(() => void worker.terminate(), 10_000);
    return exited.finally(() => clearTimeout(timer));
  }
}
