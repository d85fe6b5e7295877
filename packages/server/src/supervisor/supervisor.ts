/**
 * The loop that applies the scaler: every tick, per endpoint, it reads the queue and what the protocol showed of
 * each worker, derives worker states, asks `decide()` and starts or stops workers through the provider. It also
 * recycles workers that asked for it (`stopPod`), replaces dead, silent or unhealthy ones, kills a worker that
 * keeps running a job the platform has already cancelled or timed out (no zombie work), and keeps the crash
 * and cold-start records that hints and `/health` show.
 */
import { randomBytes } from "node:crypto";
import type { EndpointScaling, EndpointWorkerCommand } from "../domain/endpoint.js";
import type { JobStatus } from "../domain/job.js";
import type { LogBuffer } from "../providers/log-buffer.js";
import type { WorkerExit, WorkerHandle, WorkerProvider } from "../providers/provider.js";
import { type CrashState, nextStartAt } from "../scaling/backoff.js";
import {
  DEFAULT_TUNING,
  decide,
  type ScalerTuning,
  type WorkerState,
  type WorkerView,
} from "../scaling/decide.js";
import { applyScalingPatch } from "../scaling/settings.js";
import type { QueueStats } from "../store/store.js";
import type { WorkerActivityTracker } from "./activity.js";
import { ColdStartStats, type ColdStartSummary } from "./cold-start.js";
import { type CrashReport, type HintInput, healthHints, queueHint } from "./hints.js";

export type { QueueStats };

/** What the supervisor needs from the job engine. */
export interface SupervisorHost {
  queueStats(endpointId: string): Promise<QueueStats>;
  /** A job's status and holder; undefined when it no longer exists. */
  jobState(endpointId: string, jobId: string): Promise<{ status: JobStatus; workerId?: string } | undefined>;
  /** A worker process was started (the registry shows it as initializing until it calls in). */
  workerStarting?(endpointId: string, workerId: string): void;
  /** A worker process is gone: its jobs can be requeued now instead of at lease expiry. */
  workerGone?(endpointId: string, workerId: string, reason: string): void | Promise<void>;
}

export interface SupervisedEndpoint {
  id: string;
  scaling: EndpointScaling;
  /** How to start a worker; without it the endpoint's workers are started elsewhere and only observed. */
  worker?: EndpointWorkerCommand;
}

export interface SupervisorOptions {
  host: SupervisorHost;
  provider: WorkerProvider;
  activity: WorkerActivityTracker;
  /** Complete environment for a new worker (protocol variables included). */
  workerEnv(endpointId: string, workerId: string): Record<string, string>;
  tickMs?: number;
  tuning?: ScalerTuning;
  /** SIGTERM → SIGKILL grace on scale-down, recycling and shutdown. */
  stopGraceMs?: number;
  /** How long a worker may keep a job the platform cancelled or timed out before its process is killed. */
  overrunGraceMs?: number;
  /** A started worker that has not called in by then is unhealthy (replaced). */
  startTimeoutMs?: number;
  /** A worker not heard from (no ping, take or post) for this long is unhealthy (replaced). */
  silentAfterMs?: number;
  /** A worker that has been taking jobs this long ends a crash streak even if it has not finished one. */
  stableMs?: number;
  now?: () => number;
  log?: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}

export interface WorkerListing {
  id: string;
  endpointId: string;
  state: WorkerState;
  pid?: number;
  startedAt: number;
  coldStartMs?: number;
  concurrency: number;
  jobs: number;
  /** Set once it has been told to stop, with why. */
  stopping?: string;
  /** Why it is unhealthy. */
  reason?: string;
}

export interface EndpointSupervision {
  id: string;
  managed: boolean;
  scaling: EndpointScaling;
  workers: WorkerListing[];
  counts: Record<WorkerState, number>;
  coldStart: ColdStartSummary;
  crash: { consecutive: number; looping: boolean; nextStartAt?: number; last?: CrashReport };
  hints: string[];
}

/** A worker the supervisor started, running or recently exited: for the logs route. */
export interface WorkerRecord {
  id: string;
  endpointId: string;
  logs: LogBuffer;
  /** Resolves when the process has exited (at once for a retired worker). */
  exited: Promise<WorkerExit>;
  /** Its listing while it runs; undefined once retired. */
  listing?: WorkerListing;
  /** Exit and why, once retired. */
  retired?: { exit: WorkerExit; why: string };
}

interface Managed {
  id: string;
  endpointId: string;
  handle: WorkerHandle;
  startedAt: number;
  state: WorkerState;
  reason?: string;
  stopping?: string;
  /** When its stopPod request was first seen with no job left. */
  recycleSeenAt?: number;
  /** Stopped because it was unhealthy: its exit counts as a crash (back-off, hints). */
  failed?: boolean;
  coldStartMs?: number;
  idleSince?: number;
  concurrency: number;
  jobs: number;
  /** job id → when the platform was first seen to no longer want this worker running it */
  overdue: Map<string, number>;
  lastJobCheck: number;
}

interface EndpointRuntime {
  config: SupervisedEndpoint;
  workers: Map<string, Managed>;
  crash: CrashState;
  lastCrash?: CrashReport;
  crashLooping: boolean;
  lastScaleUpAt?: number;
  coldStarts: ColdStartStats;
}

interface Retired {
  endpointId: string;
  logs: LogBuffer;
  exit: WorkerExit;
  why: string;
}

const RETIRED_KEPT = 100;
const CRASH_LINES = 20;
const JOB_CHECK_MS = 1_000;
const RECYCLE_WAIT_MS = 1_000;

export class Supervisor {
  readonly #o: Required<Omit<SupervisorOptions, "log" | "tuning">> & Pick<SupervisorOptions, "log">;
  readonly #tuning: ScalerTuning;
  readonly #endpoints = new Map<string, EndpointRuntime>();
  readonly #retired = new Map<string, Retired>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  /** A nudge arrived during a pass, which may have read the queue before the job landed: run another at once. */
  #again = false;
  /** Exit handling in flight (it releases jobs through the host): close() waits for it. */
  readonly #exiting = new Set<Promise<void>>();
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
    };
    this.#tuning = options.tuning ?? DEFAULT_TUNING;
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
  updateScaling(endpointId: string, patch: unknown): EndpointScaling {
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
    const backoffUntil = nextStartAt(ep.crash, this.#tuning.backoff);
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
    while (this.#exiting.size > 0) await Promise.all([...this.#exiting]);
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
      if (options.force === true) {
        w.stopping ??= `killed: ${reason}`;
        w.handle.logs.push("system", `killed: ${reason}`);
        this.#o.log?.("info", "killing worker", { workerId, reason });
        w.handle.kill();
      } else {
        this.#stopWorker(w, reason, this.#o.stopGraceMs);
      }
      return this.#listing(w);
    }
    return undefined;
  }

  // ── reading ────────────────────────────────────────────────────────────────

  endpointIds(): string[] {
    return [...this.#endpoints.keys()];
  }

  status(endpointId: string): EndpointSupervision | undefined {
    const ep = this.#endpoints.get(endpointId);
    if (!ep) return undefined;
    const workers = [...ep.workers.values()].map((w) => this.#listing(w));
    const input = this.#hintInput(ep);
    const unhealthy = workers
      .filter((w) => w.state === "unhealthy")
      .map((w) => `worker ${w.id} is unhealthy${w.reason ? `: ${w.reason}` : ""}`);
    const crash: EndpointSupervision["crash"] = {
      consecutive: ep.crash.consecutive,
      looping: ep.crashLooping,
    };
    const next = nextStartAt(ep.crash, this.#tuning.backoff);
    if (next !== undefined && next > this.#o.now()) crash.nextStartAt = next;
    if (ep.lastCrash) crash.last = { ...ep.lastCrash, lastLines: [...ep.lastCrash.lastLines] };
    return {
      id: endpointId,
      managed: ep.config.worker !== undefined,
      scaling: { ...ep.config.scaling },
      workers,
      counts: this.#counts(ep),
      coldStart: ep.coldStarts.summary(),
      crash,
      hints: healthHints(input, unhealthy),
    };
  }

  /** Why queued jobs of this endpoint wait, for their status `hint`; undefined when nothing is wrong. */
  queueHint(endpointId: string): string | undefined {
    const ep = this.#endpoints.get(endpointId);
    return ep ? queueHint(this.#hintInput(ep)) : undefined;
  }

  /** `/health` hint lines (crash loop, unhealthy workers). */
  healthHints(endpointId: string): string[] {
    return this.status(endpointId)?.hints ?? [];
  }

  /** Log of a running worker, or of one that exited recently. */
  workerLogs(workerId: string): LogBuffer | undefined {
    for (const ep of this.#endpoints.values()) {
      const w = ep.workers.get(workerId);
      if (w) return w.handle.logs;
    }
    return this.#retired.get(workerId)?.logs;
  }

  /** A running or recently exited worker, with its log and exit. */
  worker(workerId: string): WorkerRecord | undefined {
    for (const ep of this.#endpoints.values()) {
      const w = ep.workers.get(workerId);
      if (w) {
        return {
          id: w.id,
          endpointId: w.endpointId,
          logs: w.handle.logs,
          exited: w.handle.exited,
          listing: this.#listing(w),
        };
      }
    }
    const r = this.#retired.get(workerId);
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
    const r = this.#retired.get(workerId);
    return r ? { endpointId: r.endpointId, exit: { ...r.exit }, why: r.why } : undefined;
  }

  // ── the tick ───────────────────────────────────────────────────────────────

  async #tickEndpoint(ep: EndpointRuntime): Promise<void> {
    const now = this.#o.now();
    for (const w of ep.workers.values()) {
      if (w.handle.done) continue;
      await this.#observe(ep, w, now);
    }
    if (this.#closed || ep.config.worker === undefined) return;

    const queue = await this.#o.host.queueStats(ep.config.id);
    const views: WorkerView[] = [];
    for (const w of ep.workers.values()) {
      if (w.handle.done) continue;
      const v: WorkerView = {
        id: w.id,
        state: w.state,
        startedAt: w.startedAt,
        concurrency: w.concurrency,
        stopping: w.stopping !== undefined,
      };
      if (w.idleSince !== undefined) v.idleSince = w.idleSince;
      views.push(v);
    }
    const snapshot = {
      now,
      inQueue: queue.inQueue,
      inQueueLow: queue.inQueueLow,
      inProgress: queue.inProgress,
      workers: views,
      crash: ep.crash,
      ...(queue.oldestQueuedAt !== undefined ? { oldestQueuedAt: queue.oldestQueuedAt } : {}),
      ...(ep.lastScaleUpAt !== undefined ? { lastScaleUpAt: ep.lastScaleUpAt } : {}),
    };
    const decision = decide(ep.config.scaling, snapshot, this.#tuning);
    ep.crashLooping = decision.crashLooping;
    for (const action of decision.actions) {
      if (action.kind === "start") {
        for (let i = 0; i < action.count; i++) this.#startWorker(ep, action.reason);
        ep.lastScaleUpAt = now;
      } else {
        const w = ep.workers.get(action.workerId);
        if (!w) continue;
        if (action.reason === "unhealthy") {
          w.failed = true;
          this.#stopWorker(w, `unhealthy: ${w.reason ?? "unknown"}`, 2_000);
        } else this.#stopWorker(w, action.reason, this.#o.stopGraceMs);
      }
    }
  }

  /** Derives a worker's state from what the protocol showed, and acts on recycling and overruns. */
  async #observe(ep: EndpointRuntime, w: Managed, now: number): Promise<void> {
    const a = this.#o.activity.get(w.endpointId, w.id);
    const previous = w.state;
    if (a?.firstTakeAt !== undefined && w.coldStartMs === undefined) {
      w.coldStartMs = Math.max(0, a.firstTakeAt - w.startedAt);
      ep.coldStarts.record(w.coldStartMs);
      this.#o.log?.("info", "worker ready", { workerId: w.id, coldStartMs: w.coldStartMs });
    }
    w.jobs = a?.held.size ?? 0;
    w.concurrency = a?.concurrency ?? 1;

    if (
      ep.crash.consecutive > 0 &&
      a?.firstTakeAt !== undefined &&
      (a.finishedAny || now - a.firstTakeAt >= this.#o.stableMs)
    ) {
      ep.crash = { consecutive: 0 };
      ep.crashLooping = false;
    }

    delete w.reason;
    if (a?.unhealthy) {
      w.state = "unhealthy";
      const what = [a.unhealthy.check, a.unhealthy.reason].filter((x) => x).join(": ");
      w.reason = `reported unhealthy${what ? ` (${what})` : ""}`;
    } else if (a?.firstTakeAt === undefined) {
      if (now - w.startedAt > this.#o.startTimeoutMs) {
        w.state = "unhealthy";
        w.reason = `did not ask for a job within ${Math.round(this.#o.startTimeoutMs / 1000)} s of starting`;
      } else {
        w.state = "initializing";
      }
    } else if (now - a.lastSeenAt > this.#o.silentAfterMs) {
      w.state = "unhealthy";
      w.reason = `silent for ${Math.round((now - a.lastSeenAt) / 1000)} s (no ping, take or result)`;
    } else {
      w.state = w.jobs > 0 ? "running" : "idle";
    }
    if (w.state === "idle" && previous !== "idle") w.idleSince = now;
    if (w.state !== "idle") delete w.idleSince;

    if (w.stopping !== undefined || a === undefined) return;

    if (a.stopPod && w.jobs === 0) {
      // Workers with refresh_worker in their config exit by themselves; give them a moment before SIGTERM.
      w.recycleSeenAt ??= now;
      if (now - w.recycleSeenAt >= RECYCLE_WAIT_MS) {
        this.#stopWorker(w, "recycled at its own request (stopPod)", this.#o.stopGraceMs);
      }
      return;
    }

    await this.#checkOverruns(w, a.held, now);
    const oldest = Math.min(...w.overdue.values());
    if (w.overdue.size > 0 && now - oldest >= this.#o.overrunGraceMs) {
      const jobs = [...w.overdue.keys()].join(", ");
      w.stopping = `killed: still running job ${jobs} ${Math.round((now - oldest) / 1000)} s after it was stopped`;
      this.#o.log?.("warn", "killing worker that overran a stopped job", { workerId: w.id, jobs });
      w.handle.logs.push("system", w.stopping);
      w.handle.kill();
    }
  }

  /** Marks held jobs the platform no longer wants this worker to run (cancelled, timed out, gone, reassigned). */
  async #checkOverruns(w: Managed, held: ReadonlySet<string>, now: number): Promise<void> {
    for (const id of w.overdue.keys()) if (!held.has(id)) w.overdue.delete(id);
    if (held.size === 0 || now - w.lastJobCheck < JOB_CHECK_MS) return;
    w.lastJobCheck = now;
    for (const jobId of held) {
      if (w.overdue.has(jobId)) continue;
      const job = await this.#o.host.jobState(w.endpointId, jobId);
      const wanted = job !== undefined && job.status === "IN_PROGRESS" && job.workerId === w.id;
      if (!wanted) w.overdue.set(jobId, now);
    }
  }

  #startWorker(ep: EndpointRuntime, reason: string): void {
    const cmd = ep.config.worker;
    if (!cmd) return;
    const id = `${ep.config.id}-${randomBytes(4).toString("hex")}`;
    let handle: WorkerHandle;
    try {
      handle = this.#o.provider.start({
        workerId: id,
        endpointId: ep.config.id,
        command: cmd.command,
        ...(cmd.cwd !== undefined ? { cwd: cmd.cwd } : {}),
        env: this.#o.workerEnv(ep.config.id, id),
      });
    } catch (e) {
      // An invalid spec is a configuration error: count it like a crash so it backs off and shows up in hints.
      const at = this.#o.now();
      this.#recordCrash(ep, { workerId: id, code: null, signal: null, error: String(e), at, lastLines: [] });
      return;
    }
    const now = this.#o.now();
    const w: Managed = {
      id,
      endpointId: ep.config.id,
      handle,
      startedAt: now,
      state: "initializing",
      concurrency: 1,
      jobs: 0,
      overdue: new Map(),
      lastJobCheck: 0,
    };
    ep.workers.set(id, w);
    this.#o.host.workerStarting?.(ep.config.id, id);
    this.#o.log?.("info", "worker started", {
      endpointId: ep.config.id,
      workerId: id,
      pid: handle.pid,
      reason,
    });
    const exiting = handle.exited.then((exit) => this.#onExit(ep, w, exit));
    this.#exiting.add(exiting);
    void exiting.finally(() => this.#exiting.delete(exiting));
  }

  #stopWorker(w: Managed, why: string, graceMs: number): void {
    if (w.stopping !== undefined) return;
    w.stopping = why;
    w.handle.logs.push("system", w.failed ? why : `stop requested: ${why}`);
    this.#o.log?.("info", "stopping worker", { workerId: w.id, why });
    void w.handle.stop("SIGTERM", graceMs);
  }

  async #onExit(ep: EndpointRuntime, w: Managed, exit: WorkerExit): Promise<void> {
    const activity = this.#o.activity.get(w.endpointId, w.id);
    ep.workers.delete(w.id);
    this.#o.activity.forget(w.endpointId, w.id);
    const expected = w.stopping !== undefined && w.failed !== true;
    // A clean exit after doing work is a worker that recycles itself (refresh_worker), not a crash.
    const clean = exit.code === 0 && activity?.finishedAny === true;
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
      this.#recordCrash(ep, report);
      why = w.failed
        ? (w.stopping ?? "unhealthy")
        : `crashed (${exit.error ?? (exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`)})`;
    }
    this.#retired.set(w.id, { endpointId: w.endpointId, logs: w.handle.logs, exit, why });
    if (this.#retired.size > RETIRED_KEPT) {
      const oldest = this.#retired.keys().next();
      if (!oldest.done) this.#retired.delete(oldest.value);
    }
    try {
      await this.#o.host.workerGone?.(w.endpointId, w.id, why);
    } catch (e) {
      this.#o.log?.("error", "workerGone failed", { workerId: w.id, error: String(e) });
    }
  }

  #recordCrash(ep: EndpointRuntime, report: CrashReport): void {
    ep.crash = { consecutive: ep.crash.consecutive + 1, lastCrashAt: report.at };
    ep.lastCrash = report;
    ep.crashLooping = ep.crash.consecutive >= this.#tuning.backoff.loopThreshold;
    this.#o.log?.("warn", "worker crashed", {
      endpointId: ep.config.id,
      workerId: report.workerId,
      code: report.code,
      signal: report.signal,
      error: report.error,
      consecutive: ep.crash.consecutive,
    });
  }

  // ── helpers ────────────────────────────────────────────────────────────────

  #listing(w: Managed): WorkerListing {
    const l: WorkerListing = {
      id: w.id,
      endpointId: w.endpointId,
      state: w.state,
      startedAt: w.startedAt,
      concurrency: w.concurrency,
      jobs: w.jobs,
    };
    if (w.handle.pid !== undefined) l.pid = w.handle.pid;
    if (w.coldStartMs !== undefined) l.coldStartMs = w.coldStartMs;
    if (w.stopping !== undefined) l.stopping = w.stopping;
    if (w.reason !== undefined) l.reason = w.reason;
    return l;
  }

  #counts(ep: EndpointRuntime): Record<WorkerState, number> {
    const c: Record<WorkerState, number> = {
      initializing: 0,
      idle: 0,
      running: 0,
      throttled: 0,
      unhealthy: 0,
    };
    for (const w of ep.workers.values()) if (!w.handle.done) c[w.state]++;
    // A crash-looping endpoint has a slot that keeps dying: show it, even between restarts.
    if (ep.crashLooping && c.unhealthy === 0) c.unhealthy = 1;
    return c;
  }

  #hintInput(ep: EndpointRuntime): HintInput {
    const now = this.#o.now();
    const counts = this.#counts(ep);
    const crash: HintInput["crash"] = { consecutive: ep.crash.consecutive, looping: ep.crashLooping };
    const next = nextStartAt(ep.crash, this.#tuning.backoff);
    if (next !== undefined) crash.nextStartAt = next;
    if (ep.lastCrash) crash.last = ep.lastCrash;
    return { now, settings: ep.config.scaling, managed: ep.config.worker !== undefined, counts, crash };
  }
}
