/**
 * Runs workers as local child processes: no shell, one process group per worker (so `npx tsx` and the Python
 * SDK's heartbeat process die with it), a private directory per worker (Python SDK 1.7.12–1.10.0 keeps
 * `.runpod_jobs.pkl` in the CWD, and workers sharing it steal each other's jobs), and stdout/stderr captured
 * line by line into a bounded per-worker log plus an optional log file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, rmSync, type WriteStream } from "node:fs";
import { join, resolve } from "node:path";
import { LineSplitter, LogBuffer, type LogStream } from "./log-buffer.js";
import type { WorkerExit, WorkerHandle, WorkerProvider, WorkerSpec } from "./provider.js";

export interface LocalProcessOptions {
  /** Root for `workers/<workerId>/` (private directories) and `workers/<workerId>.log`. */
  dataDir: string;
  /** Lines kept in memory per worker (default 1000). */
  logLines?: number;
  /** Also append every line to `workers/<workerId>.log` (default true). */
  logFile?: boolean;
  /** Keep a worker's private directory after it exits (default false: removed, the log file stays). */
  keepWorkDir?: boolean;
}

const WORKER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;
/** After the leader exits, how long to wait for the pipes to drain before giving up on late output. */
const CLOSE_WAIT_MS = 2_000;

/** Process groups still alive, killed synchronously if the platform itself exits (no orphaned workers). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export function validateSpec(spec: WorkerSpec): void {
  if (!WORKER_ID_PATTERN.test(spec.workerId)) {
    throw new TypeError(
      `invalid worker id ${JSON.stringify(spec.workerId)}: use [A-Za-z0-9_.-], 1–128 chars`,
    );
  }
  if (
    !Array.isArray(spec.command) ||
    spec.command.length === 0 ||
    !spec.command.every((c) => typeof c === "string" && c.length > 0)
  ) {
    throw new TypeError("worker command must be a non-empty array of non-empty strings");
  }
  for (const [k, v] of Object.entries(spec.env)) {
    if (typeof v !== "string") throw new TypeError(`worker env ${k} must be a string`);
  }
}

class LocalWorker implements WorkerHandle {
  readonly workerId: string;
  readonly startedAt = Date.now();
  readonly logs: LogBuffer;
  readonly exited: Promise<WorkerExit>;
  done = false;
  readonly #child: ChildProcess;
  readonly #file: WriteStream | undefined;
  #resolveExit!: (exit: WorkerExit) => void;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(spec: WorkerSpec, cwd: string, env: Record<string, string>, logs: LogBuffer, logPath?: string) {
    this.workerId = spec.workerId;
    this.logs = logs;
    this.exited = new Promise((r) => {
      this.#resolveExit = r;
    });
    if (logPath) {
      this.#file = createWriteStream(logPath, { flags: "a" });
      this.#file.on("error", () => {
        // A full disk must not kill the platform; the in-memory ring still has the lines.
      });
    }
    this.#log("system", `starting: ${spec.command.join(" ")} (cwd ${cwd})`);
    const [cmd, ...args] = spec.command as [string, ...string[]];
    this.#child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const pid = this.#child.pid;
    if (pid !== undefined) liveGroups.add(pid);

    const out = new LineSplitter((l) => this.#log("stdout", l));
    const err = new LineSplitter((l) => this.#log("stderr", l));
    this.#child.stdout?.setEncoding("utf8").on("data", (c: string) => out.write(c));
    this.#child.stderr?.setEncoding("utf8").on("data", (c: string) => err.write(c));

    let closeTimer: NodeJS.Timeout | undefined;
    const finish = (error?: string): void => {
      if (this.done) return;
      this.done = true;
      if (closeTimer) clearTimeout(closeTimer);
      out.end();
      err.end();
      if (pid !== undefined) liveGroups.delete(pid);
      const exit: WorkerExit = {
        code: this.#exit?.code ?? null,
        signal: this.#exit?.signal ?? null,
        at: Date.now(),
      };
      if (error) exit.error = error;
      this.#log(
        "system",
        error
          ? `failed to start: ${error}`
          : `exited with ${exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`}`,
      );
      this.#file?.end();
      this.#resolveExit(exit);
    };
    this.#child.on("error", (e) => {
      // Spawn failures (ENOENT, EACCES) arrive here with no pid; later errors (kill on a dead pid) are noise.
      if (this.#child.pid === undefined) finish(e.message);
    });
    this.#child.on("exit", (code, signal) => {
      this.#exit = { code, signal };
      // Stragglers in the group (grandchildren) go with the leader: no zombie work.
      if (pid !== undefined) signalGroup(pid, "SIGKILL");
      closeTimer = setTimeout(() => finish(), CLOSE_WAIT_MS);
      closeTimer.unref();
    });
    this.#child.on("close", () => {
      if (this.#exit !== undefined) finish();
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #log(stream: LogStream, line: string): void {
    const entry = this.logs.push(stream, line);
    if (this.#file && !this.#file.writableEnded) {
      this.#file.write(`${new Date(entry.at).toISOString()} ${stream} ${entry.line}\n`);
    }
  }

  stop(signal: NodeJS.Signals = "SIGTERM", graceMs = 10_000): Promise<WorkerExit> {
    if (this.done || this.#exit !== undefined) return this.exited;
    const pid = this.#child.pid;
    if (pid === undefined) return this.exited;
    this.#log("system", `stopping with ${signal} (grace ${graceMs} ms)`);
    // The graceful signal goes to the leader only: npx/tsx forward it, and the Python SDK's heartbeat child
    // must outlive the drain. The forced kill after the grace period takes the whole group.
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
    const timer = setTimeout(() => {
      this.#log("system", `still alive after ${graceMs} ms: killing`);
      signalGroup(pid, "SIGKILL");
    }, graceMs);
    timer.unref();
    return this.exited.finally(() => clearTimeout(timer));
  }

  kill(): void {
    const pid = this.#child.pid;
    if (pid === undefined || this.done) return;
    if (this.#exit === undefined) this.#log("system", "killing (SIGKILL)");
    signalGroup(pid, "SIGKILL");
  }
}

export class LocalProcessProvider implements WorkerProvider {
  readonly name = "local-process";
  readonly #opts: LocalProcessOptions;
  readonly #workers = new Map<string, LocalWorker>();

  constructor(opts: LocalProcessOptions) {
    this.#opts = opts;
    installExitHook();
  }

  /** Private directory of a worker: its CWD unless the endpoint sets one, and always its TMPDIR. */
  workDir(workerId: string): string {
    return join(resolve(this.#opts.dataDir), "workers", workerId);
  }

  logPath(workerId: string): string {
    return join(resolve(this.#opts.dataDir), "workers", `${workerId}.log`);
  }

  start(spec: WorkerSpec): WorkerHandle {
    validateSpec(spec);
    if (this.#workers.has(spec.workerId)) throw new Error(`worker ${spec.workerId} is already running`);
    const dir = this.workDir(spec.workerId);
    mkdirSync(dir, { recursive: true });
    const cwd = spec.cwd !== undefined ? resolve(spec.cwd) : dir;
    const env: Record<string, string> = {
      ...spec.env,
      TMPDIR: dir,
      TMP: dir,
      TEMP: dir,
      GANTRY_WORKER_DIR: dir,
    };
    // Without PATH, spawn cannot find `node` or `python3`.
    if (env.PATH === undefined && process.env.PATH !== undefined) env.PATH = process.env.PATH;
    const logs = new LogBuffer(this.#opts.logLines ?? 1000);
    const worker = new LocalWorker(
      spec,
      cwd,
      env,
      logs,
      this.#opts.logFile === false ? undefined : this.logPath(spec.workerId),
    );
    this.#workers.set(spec.workerId, worker);
    void worker.exited.then(() => {
      this.#workers.delete(spec.workerId);
      if (this.#opts.keepWorkDir) return;
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Best effort: a leftover scratch directory is harmless.
      }
    });
    return worker;
  }

  get(workerId: string): WorkerHandle | undefined {
    return this.#workers.get(workerId);
  }

  async stopAll(graceMs = 10_000): Promise<void> {
    await Promise.all([...this.#workers.values()].map((w) => w.stop("SIGTERM", graceMs)));
  }
}
