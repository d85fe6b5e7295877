/**
 * The process side of supervision: starting a worker (and telling the registry it was spawned), stopping or
 * killing one, and handling its exit — the registry forgets it at once, its jobs are released through the host,
 * a crash is recorded for back-off and hints, and its log and exit are kept for the logs route.
 */
import { randomBytes } from "node:crypto";
import type { WorkerExit, WorkerHandle } from "../providers/provider.js";
import type { CrashReport } from "./hints.js";
import type { EndpointRuntime, Managed, ResolvedOptions, Retired } from "./types.js";

const RETIRED_KEPT = 100;
const CRASH_LINES = 20;

export class WorkerProcesses {
  /** Recently exited workers, oldest first. */
  readonly retired = new Map<string, Retired>();
  /** Exit handling in flight (it releases jobs through the host): `drain` waits for it. */
  readonly #exiting = new Set<Promise<void>>();

  constructor(private readonly o: ResolvedOptions) {}

  /** Starts one worker for the endpoint; a spec the provider refuses counts as a crash. */
  start(ep: EndpointRuntime, reason: string): void {
    const cmd = ep.config.worker;
    if (!cmd) return;
    const id = `${ep.config.id}-${randomBytes(4).toString("hex")}`;
    let handle: WorkerHandle;
    try {
      handle = this.o.provider.start({
        workerId: id,
        endpointId: ep.config.id,
        command: cmd.command,
        ...(cmd.cwd !== undefined ? { cwd: cmd.cwd } : {}),
        env: this.o.workerEnv(ep.config.id, id),
      });
    } catch (e) {
      // An invalid spec is a configuration error: count it like a crash so it backs off and shows up in hints.
      const at = this.o.now();
      this.recordCrash(ep, { workerId: id, code: null, signal: null, error: String(e), at, lastLines: [] });
      return;
    }
    const now = this.o.now();
    const w: Managed = {
      id,
      endpointId: ep.config.id,
      handle,
      startedAt: now,
      overdue: new Map(),
      lastJobCheck: 0,
    };
    ep.workers.set(id, w);
    // The same instant as `startedAt`: the registry measures the cold start from it.
    this.o.workers.spawned(ep.config.id, id, now);
    this.o.log?.("info", "worker started", {
      endpointId: ep.config.id,
      workerId: id,
      pid: handle.pid,
      reason,
    });
    const exiting = handle.exited.then((exit) => this.#onExit(ep, w, exit));
    this.#exiting.add(exiting);
    void exiting.finally(() => this.#exiting.delete(exiting));
  }

  /** SIGTERM, then SIGKILL after `graceMs`; the first reason given is the one kept. */
  stop(w: Managed, why: string, graceMs: number): void {
    if (w.stopping !== undefined) return;
    w.stopping = why;
    w.handle.logs.push("system", w.failed ? why : `stop requested: ${why}`);
    this.o.log?.("info", "stopping worker", { workerId: w.id, why });
    void w.handle.stop("SIGTERM", graceMs);
  }

  /** SIGKILL of its process group at once. */
  kill(w: Managed, why: string): void {
    w.stopping ??= why;
    w.handle.logs.push("system", why);
    this.o.log?.("warn", "killing worker", { workerId: w.id, why });
    w.handle.kill();
  }

  /** Resolves once every exit seen so far has been handled. */
  async drain(): Promise<void> {
    while (this.#exiting.size > 0) await Promise.all([...this.#exiting]);
  }

  async #onExit(ep: EndpointRuntime, w: Managed, exit: WorkerExit): Promise<void> {
    const finishedAny = (this.o.workers.get(w.id)?.jobsDone ?? 0) > 0;
    ep.workers.delete(w.id);
    // At once, not after the jobs are released: no reader may see a dead process as a worker.
    this.o.workers.retire(w.id, this.o.now());
    const expected = w.stopping !== undefined && w.failed !== true;
    // A clean exit after doing work is a worker that recycles itself (refresh_worker), not a crash.
    const clean = exit.code === 0 && finishedAny;
    let why = w.stopping ?? (clean ? "exited after its work (refresh)" : "crashed");
    if (w.failed === true || (!expected && !clean)) {
      const report: CrashReport = {
        workerId: w.id,
        code: exit.code,
        signal: exit.signal,
        at: exit.at,
        lastLines: w.handle.logs.tail(CRASH_LINES),
      };
      if (exit.error !== undefined) report.error = exit.error;
      this.recordCrash(ep, report);
      why = w.failed
        ? (w.stopping ?? "unhealthy")
        : `crashed (${exit.error ?? (exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`)})`;
    }
    this.retired.set(w.id, { endpointId: w.endpointId, logs: w.handle.logs, exit, why });
    if (this.retired.size > RETIRED_KEPT) {
      const oldest = this.retired.keys().next();
      if (!oldest.done) this.retired.delete(oldest.value);
    }
    try {
      await this.o.host.workerGone?.(w.endpointId, w.id, why);
    } catch (e) {
      this.o.log?.("error", "workerGone failed", { workerId: w.id, error: String(e) });
    }
  }

  recordCrash(ep: EndpointRuntime, report: CrashReport): void {
    ep.crash = { consecutive: ep.crash.consecutive + 1, lastCrashAt: report.at };
    ep.lastCrash = report;
    ep.crashLooping = ep.crash.consecutive >= this.o.tuning.backoff.loopThreshold;
    this.o.log?.("warn", "worker crashed", {
      endpointId: ep.config.id,
      workerId: report.workerId,
      code: report.code,
      signal: report.signal,
      error: report.error,
      consecutive: ep.crash.consecutive,
    });
  }
}
