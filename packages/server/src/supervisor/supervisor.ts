/**
 * The loop that applies the scaler: every tick, per endpoint, it reads the queue and the worker registry's
 * states of the workers it runs, asks `decide()` and starts or stops workers through the provider. It also
 * recycles workers that asked for it (`stopPod`), replaces dead, silent or unhealthy ones, kills a worker that
 * keeps running a job the platform has already cancelled or timed out (no zombie work), and keeps the crash
 * and cold-start records that hints and `/health` show. Liveness is the registry's (`engine/workers.ts`): the
 * supervisor records its spawns and verdicts there, and its events tell it the moment a worker is ready.
 */
import type { ScalingPatch } from "@gantry/protocol";
import type { EndpointScaling } from "../domain/endpoint.js";
import type { WorkerEvent } from "../engine/workers.js";
import type { LogBuffer } from "../providers/log-buffer.js";
import type { WorkerExit } from "../providers/provider.js";
import { nextStartAt } from "../scaling/backoff.js";
import { DEFAULT_TUNING, decide, type WorkerView } from "../scaling/decide.js";
import { applyScalingPatch } from "../scaling/settings.js";
import { ColdStartStats } from "./cold-start.js";
import { queueHint } from "./hints.js";
import { endCrashStreak, WorkerObserver } from "./observe.js";
import { WorkerProcesses } from "./processes.js";
import type {
  EndpointRuntime,
  EndpointSupervision,
  ResolvedOptions,
  SupervisedEndpoint,
  SupervisorOptions,
  WorkerListing,
  WorkerRecord,
} from "./types.js";
import { countsOf, endpointStatus, hintInput, listing, registryView } from "./views.js";

export type {
  EndpointSupervision,
  QueueStats,
  SupervisedEndpoint,
  SupervisorHost,
  SupervisorOptions,
  WorkerListing,
  WorkerRecord,
} from "./types.js";

export class Supervisor {
  readonly #o: ResolvedOptions;
  readonly #endpoints = new Map<string, EndpointRuntime>();
  readonly #processes: WorkerProcesses;
  readonly #observer: WorkerObserver;
  readonly #unsubscribe: () => void;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  /** A nudge arrived during a pass, which may have read the queue before the job landed: run another at once. */
  #again = false;
  #closed = false;
  /** The loop is wanted (start() until close() or standDown()). */
  #running = false;

  constructor(options: SupervisorOptions, endpoints: Iterable<SupervisedEndpoint> = []) {
    this.#o = {
      tickMs: 400,
      stopGraceMs: 30_000,
      overrunGraceMs: 15_000,
      startTimeoutMs: 10 * 60_000,
      silentAfterMs: 60_000,
      stableMs: 30_000,
      now: Date.now,
      ...options,
      tuning: options.tuning ?? DEFAULT_TUNING,
    };
    this.#processes = new WorkerProcesses(this.#o);
    this.#observer = new WorkerObserver(this.#o, this.#processes);
    this.#unsubscribe = this.#o.workers.on((e) => this.#onWorkerEvent(e));
    for (const e of endpoints) this.setEndpoint(e);
  }

  // ── configuration ──────────────────────────────────────────────────────────

  /** Adds an endpoint or replaces its settings and worker command (running workers keep their command). */
  setEndpoint(config: SupervisedEndpoint): void {
    const scaling = applyScalingPatch(config.scaling, {});
    const existing = this.#endpoints.get(config.id);
    if (existing) {
      existing.config = { ...config, scaling };
      return;
    }
    this.#endpoints.set(config.id, {
      config: { ...config, scaling },
      workers: new Map(),
      crash: { consecutive: 0 },
      crashLooping: false,
      coldStarts: new ColdStartStats(),
    });
  }

  /** Applies a validated partial change (admin API); takes effect on the next tick. Throws on invalid input. */
  updateScaling(endpointId: string, patch: ScalingPatch): EndpointScaling {
    const ep = this.#endpoints.get(endpointId);
    if (!ep) throw new RangeError(`unknown endpoint ${endpointId}`);
    const next = applyScalingPatch(ep.config.scaling, patch);
    ep.config = { ...ep.config, scaling: next };
    this.#o.log?.("info", "scaling settings changed", { endpointId, ...next });
    return { ...next };
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────

  start(): void {
    if (this.#running || this.#closed) return;
    this.#running = true;
    // The first pass at once: jobs queued before a restart (or a leader change) get their workers now.
    this.#schedule(0);
  }

  /** (Re)arms the loop's one timer: the next pass runs `ms` from now. */
  #schedule(ms: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.tick().then(() => {
        if (!this.#running || this.#closed || this.#timer) return;
        const again = this.#again;
        this.#again = false;
        this.#schedule(again ? 0 : this.#o.tickMs);
      });
    }, ms);
  }

  /**
   * A job was queued on `endpointId` (submit, retry, requeue). When the endpoint has no live worker, the pass
   * runs now rather than at the next tick: waiting up to a tick would be most of a cold start. Anything else
   * (more workers for a longer queue, scale-down) keeps to the tick, so a burst of submissions costs nothing.
   */
  nudge(endpointId: string): void {
    if (!this.#running || this.#closed) return;
    const ep = this.#endpoints.get(endpointId);
    if (!ep || ep.config.worker === undefined) return;
    for (const w of ep.workers.values()) if (!w.handle.done && w.stopping === undefined) return;
    // Starts withheld by crash back-off resume on the tick; a pass per submission would only re-read the queue.
    const backoffUntil = nextStartAt(ep.crash, this.#o.tuning.backoff);
    if (backoffUntil !== undefined && backoffUntil > this.#o.now()) return;
    if (this.#ticking) this.#again = true;
    else this.#schedule(0);
  }

  /**
   * Multi-node: another node runs the autoscaler now. Stops the loop and this node's workers like close(), but
   * start() may resume it later (this node became the leader again).
   */
  async standDown(graceMs = this.#o.stopGraceMs): Promise<void> {
    if (this.#closed) return;
    await this.#halt(graceMs, "another node runs the autoscaler");
  }

  /** One pass over every endpoint (the loop calls it; tests may too). Never rejects. */
  tick(): Promise<void> {
    this.#ticking ??= (async () => {
      try {
        for (const ep of this.#endpoints.values()) {
          try {
            await this.#tickEndpoint(ep);
          } catch (e) {
            this.#o.log?.("error", "supervisor tick failed", { endpointId: ep.config.id, error: String(e) });
          }
        }
      } finally {
        this.#ticking = undefined;
      }
    })();
    return this.#ticking;
  }

  /** Stops the loop and every worker it started: SIGTERM, then SIGKILL after the grace period. */
  async close(graceMs = this.#o.stopGraceMs): Promise<void> {
    this.#closed = true;
    await this.#halt(graceMs, "platform shutting down");
    this.#unsubscribe();
  }

  async #halt(graceMs: number, why: string): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
    const exits: Promise<unknown>[] = [];
    for (const ep of this.#endpoints.values()) {
      for (const w of ep.workers.values()) {
        w.stopping ??= why;
        exits.push(w.handle.stop("SIGTERM", graceMs));
      }
    }
    await Promise.all(exits);
    await this.#processes.drain();
  }

  /**
   * Stops one worker it started (admin API): SIGTERM with the usual grace, so it finishes its jobs first, or
   * with `force` SIGKILL of its process group at once (its jobs are requeued as soon as it is gone). The
   * scaler starts a replacement if the settings still want one. Undefined for a worker it does not run.
   */
  stopWorker(
    workerId: string,
    options: { force?: boolean; reason?: string } = {},
  ): WorkerListing | undefined {
    for (const ep of this.#endpoints.values()) {
      const w = ep.workers.get(workerId);
      if (!w || w.handle.done) continue;
      const reason = options.reason ?? "stopped by an administrator";
      if (options.force === true) this.#processes.kill(w, `killed: ${reason}`);
      else this.#processes.stop(w, reason, this.#o.stopGraceMs);
      const now = this.#o.now();
      return listing(w, this.#o.workers.get(w.id, now), now, this.#o);
    }
    return undefined;
  }

  // ── reading ────────────────────────────────────────────────────────────────

  endpointIds(): string[] {
    return [...this.#endpoints.keys()];
  }

  status(endpointId: string): EndpointSupervision | undefined {
    const ep = this.#endpoints.get(endpointId);
    return ep ? endpointStatus(ep, this.#o) : undefined;
  }

  /** Why queued jobs of this endpoint wait, for their status `hint`; undefined when nothing is wrong. */
  queueHint(endpointId: string): string | undefined {
    const ep = this.#endpoints.get(endpointId);
    if (!ep) return undefined;
    const now = this.#o.now();
    const counts = countsOf(ep, registryView(this.#o.workers, endpointId, now));
    return queueHint(hintInput(ep, counts, this.#o.tuning.backoff, now));
  }

  /** `/health` hint lines (crash loop, unhealthy workers). */
  healthHints(endpointId: string): string[] {
    return this.status(endpointId)?.hints ?? [];
  }

  /** Log of a running worker, or of one that exited recently. */
  workerLogs(workerId: string): LogBuffer | undefined {
    return this.worker(workerId)?.logs;
  }

  /** A running or recently exited worker, with its log and exit. */
  worker(workerId: string): WorkerRecord | undefined {
    for (const ep of this.#endpoints.values()) {
      const w = ep.workers.get(workerId);
      if (!w) continue;
      const now = this.#o.now();
      return {
        id: w.id,
        endpointId: w.endpointId,
        logs: w.handle.logs,
        exited: w.handle.exited,
        listing: listing(w, this.#o.workers.get(w.id, now), now, this.#o),
      };
    }
    const r = this.#processes.retired.get(workerId);
    if (!r) return undefined;
    return {
      id: workerId,
      endpointId: r.endpointId,
      logs: r.logs,
      exited: Promise.resolve({ ...r.exit }),
      retired: { exit: { ...r.exit }, why: r.why },
    };
  }

  /** Exit record of a recently retired worker. */
  retired(workerId: string): { endpointId: string; exit: WorkerExit; why: string } | undefined {
    const r = this.#processes.retired.get(workerId);
    return r ? { endpointId: r.endpointId, exit: { ...r.exit }, why: r.why } : undefined;
  }

  // ── the tick ───────────────────────────────────────────────────────────────

  async #tickEndpoint(ep: EndpointRuntime): Promise<void> {
    const now = this.#o.now();
    const views: WorkerView[] = [];
    for (const w of ep.workers.values()) {
      if (w.handle.done) continue;
      const state = await this.#observer.observe(ep, w, now);
      const v: WorkerView = {
        id: w.id,
        state,
        startedAt: w.startedAt,
        concurrency: this.#o.workers.get(w.id, now)?.concurrency ?? 1,
        stopping: w.stopping !== undefined,
      };
      if (w.idleSince !== undefined) v.idleSince = w.idleSince;
      views.push(v);
    }
    if (this.#closed || ep.config.worker === undefined) return;

    const queue = await this.#o.host.queueStats(ep.config.id);
    const snapshot = {
      now,
      inQueue: queue.inQueue,
      inQueueLow: queue.inQueueLow,
      inProgress: queue.inProgress,
      // A worker killed during observation is gone: neither capacity nor a candidate to stop.
      workers: views.filter((v) => !(ep.workers.get(v.id)?.handle.done ?? true)),
      crash: ep.crash,
      ...(queue.oldestQueuedAt !== undefined ? { oldestQueuedAt: queue.oldestQueuedAt } : {}),
      ...(ep.lastScaleUpAt !== undefined ? { lastScaleUpAt: ep.lastScaleUpAt } : {}),
    };
    const decision = decide(ep.config.scaling, snapshot, this.#o.tuning);
    ep.crashLooping = decision.crashLooping;
    for (const action of decision.actions) {
      if (action.kind === "start") {
        for (let i = 0; i < action.count; i++) this.#processes.start(ep, action.reason);
        ep.lastScaleUpAt = now;
      } else {
        const w = ep.workers.get(action.workerId);
        if (!w) continue;
        if (action.reason === "unhealthy") {
          w.failed = true;
          const why = listing(w, this.#o.workers.get(w.id, now), now, this.#o).reason ?? "unknown";
          this.#processes.stop(w, `unhealthy: ${why}`, 2_000);
        } else this.#processes.stop(w, action.reason, this.#o.stopGraceMs);
      }
    }
  }

  /** Registry events, as they happen: a worker this supervisor started is ready, or answered its first job. */
  #onWorkerEvent(e: WorkerEvent): void {
    const ep = this.#endpoints.get(e.endpointId);
    if (!ep?.workers.has(e.workerId)) return;
    if (e.type === "ready" && e.coldStartMs !== undefined) {
      ep.coldStarts.record(e.coldStartMs);
      this.#o.log?.("info", "worker ready", { workerId: e.workerId, coldStartMs: e.coldStartMs });
    } else if (e.type === "answered" && e.first && ep.crash.consecutive > 0) {
      endCrashStreak(ep);
    }
  }
}
