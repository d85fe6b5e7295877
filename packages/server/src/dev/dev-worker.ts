/**
 * The single worker of the dev server: started through the local process provider with the real worker
 * environment, its output passed through to the developer's terminal, restarted on demand (file change) and
 * after a crash (with backoff, so a handler that dies at import does not spin the CPU).
 *
 * The autoscaler is not used here on purpose: a dev reload is an intentional stop that must neither count as a
 * crash nor wait for a scaling tick, and the developer wants exactly one worker.
 */

import { workerEnv } from "../config/worker-env.js";
import type { LocalProcessProvider } from "../providers/local-process.js";
import type { LogLine } from "../providers/log-buffer.js";
import type { WorkerExit, WorkerHandle } from "../providers/provider.js";
import { composeWorkerEnv } from "../supervisor/process-env.js";
import type { LocalPlatform } from "./local-platform.js";

export interface DevWorkerOptions {
  platform: LocalPlatform;
  provider: LocalProcessProvider;
  endpointId: string;
  /** argv of the worker, e.g. `[process.execPath, "--import", "tsx", "handler.ts"]`. */
  command: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every line the worker prints, and the dev server's own notes about it (`system`). */
  onLine(line: LogLine): void;
  stopGraceMs?: number;
}

const BACKOFF_START_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** A worker that lived this long was not crash-looping: the next crash restarts it quickly again. */
const STABLE_MS = 10_000;

export class DevWorker {
  readonly #o: DevWorkerOptions;
  #handle: WorkerHandle | undefined;
  #serial = 0;
  #backoffMs = BACKOFF_START_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Set while a deliberate stop is in progress: that exit is not a crash. */
  #stopping: Promise<void> | undefined;

  constructor(options: DevWorkerOptions) {
    this.#o = options;
  }

  get current(): WorkerHandle | undefined {
    return this.#handle;
  }

  /** Starts the worker if none is running. */
  start(): void {
    if (this.#closed || (this.#handle && !this.#handle.done)) return;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    const workerId = `${this.#o.endpointId}-worker-${++this.#serial}`;
    const { platform } = this.#o;
    const env = composeWorkerEnv(
      this.#o.env,
      workerEnv({
        publicUrl: platform.publicUrl,
        endpointId: this.#o.endpointId,
        workerId,
        workerSecret: platform.workerSecret,
        pingIntervalMs: platform.pingIntervalMs,
      }),
    );
    let handle: WorkerHandle;
    try {
      handle = this.#o.provider.start({
        workerId,
        endpointId: this.#o.endpointId,
        command: this.#o.command,
        cwd: this.#o.cwd,
        env,
      });
    } catch (err) {
      this.#note(`cannot start the worker: ${(err as Error).message}`);
      return;
    }
    this.#handle = handle;
    platform.engine.workers.markInitializing(this.#o.endpointId, workerId, Date.now());
    // The provider's own "starting:" line is already in the buffer; show it too.
    for (const l of handle.logs.lines()) this.#o.onLine(l);
    handle.logs.follow((l) => this.#o.onLine(l));
    void handle.exited.then((exit) => this.#onExit(handle, exit));
  }

  /** Stops the running worker (jobs it held go back to the queue) and starts a fresh one. */
  async restart(reason: string): Promise<void> {
    if (this.#closed) return;
    this.#note(`${reason}: restarting the worker`);
    await this.#stop();
    this.#backoffMs = BACKOFF_START_MS;
    this.start();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    await this.#stop();
  }

  async #stop(): Promise<void> {
    const handle = this.#handle;
    if (!handle || handle.done) return;
    this.#stopping ??= (async () => {
      await handle.stop("SIGTERM", this.#o.stopGraceMs ?? 5_000);
      await this.#release(handle.workerId);
    })();
    try {
      await this.#stopping;
    } finally {
      this.#stopping = undefined;
    }
  }

  /** A deliberately stopped worker's unfinished jobs run again on the next one (not counted as retries). */
  async #release(workerId: string): Promise<void> {
    const { engine } = this.#o.platform;
    try {
      const held = (await engine.store.jobs.listByWorker(workerId)).filter((j) => j.status === "IN_PROGRESS");
      if (held.length > 0) {
        await engine.putBack(
          this.#o.endpointId,
          workerId,
          held.map((j) => j.id),
        );
        this.#note(`requeued ${held.length} unfinished job(s): ${held.map((j) => j.id).join(", ")}`);
      }
    } catch {
      // The store is closing (shutdown): nothing left to requeue into.
    }
    engine.workers.remove(workerId);
  }

  #onExit(handle: WorkerHandle, exit: WorkerExit): void {
    if (this.#closed || this.#stopping !== undefined || handle !== this.#handle) return;
    // Not asked to stop: a crash, or a refresh_worker exit. Jobs it held come back through their lease.
    this.#o.platform.engine.workers.remove(handle.workerId);
    const lived = exit.at - handle.startedAt;
    if (lived >= STABLE_MS) this.#backoffMs = BACKOFF_START_MS;
    const delay = exit.code === 0 ? 0 : this.#backoffMs;
    if (exit.code !== 0) this.#backoffMs = Math.min(BACKOFF_MAX_MS, this.#backoffMs * 2);
    const how = exit.error ?? (exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`);
    this.#note(
      delay === 0
        ? `worker exited (${how}); starting a new one`
        : `worker exited (${how}); restarting in ${Math.round(delay / 1000)} s (or on the next file change)`,
    );
    this.#restartTimer = setTimeout(() => this.start(), delay);
  }

  #note(line: string): void {
    this.#o.onLine({ seq: 0, at: Date.now(), stream: "system", line });
  }
}
