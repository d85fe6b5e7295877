/**
 * The worker registry: the one record of every worker's liveness, kept as the worker protocol happens. The
 * engine feeds it from each take, result, stream chunk, ping and long-poll; a process supervisor adds the
 * spawns it makes and its verdicts. `/health`, the admin API and the supervisor (scaler, hints, cold-start
 * figures) all read it, so they agree at every moment. Readers that must act on a change the moment it happens
 * (a worker's first job-take ends its cold start) subscribe to its events.
 * In memory on purpose: workers re-announce themselves within a ping interval after a restart.
 */
import {
  deriveState,
  describeUnhealthy,
  summarize,
  type WorkerInfo,
  type WorkerState,
  type WorkerSummary,
} from "./worker-view.js";

export type { WorkerInfo, WorkerState, WorkerSummary };

/** Multi-node: one registry entry as plain data, shared through the store (worker-sync.ts). */
export type WorkerSnapshot = Entry;

/** What every node shares of a worker. */
interface Entry {
  id: string;
  endpointId: string;
  firstSeen: number;
  lastSeen: number;
  concurrency: number;
  version?: string;
  unhealthy?: { check?: string; reason?: string; at: number };
  /** Spawned and has not asked for a job yet. */
  initializing: boolean;
  throttled: boolean;
  recycle: boolean;
  recycleAt?: number;
  spawnedAt?: number;
  firstContactAt?: number;
  firstTakeAt?: number;
}

/** What this node alone saw of a worker: the traffic it served. Kept apart so another node's copy keeps it. */
interface Local {
  /** job id → when it was handed out or first listed in a ping */
  held: Map<string, number>;
  /** Jobs it answered lately: a ping sent before an answer but read after it must not bring the job back. */
  answered: string[];
  jobsDone: number;
  firstDoneAt?: number;
  lastJobAt?: number;
  verdict?: string;
}

export type WorkerEvent =
  /** Its first job-take request: it is ready, and its cold start (when its spawn is known) is measured. */
  | { type: "ready"; endpointId: string; workerId: string; at: number; coldStartMs?: number }
  /** It answered a job (result or error). */
  | { type: "answered"; endpointId: string; workerId: string; jobId: string; at: number; first: boolean };

export interface WorkerRegistryOptions {
  /** A worker not heard from for this long (and holding no job) is forgotten. */
  staleMs: number;
  /** How long an unhealthy report stays visible after the worker went quiet. */
  unhealthyMs: number;
  /**
   * How long a worker that asked to be recycled (`stopPod`) is refused jobs. Workers Gantry started are stopped
   * well within it; one started elsewhere that nobody replaced is given work again after it. Default 60 s.
   */
  recycleHoldMs?: number;
  /**
   * A spawned worker's process is its supervisor's to end (it removes the worker when the process exits), so it
   * is not forgotten for being quiet — unless it stays quiet this long (its supervisor died). Default 15 min.
   */
  spawnedStaleMs?: number;
}

/** A ping in flight while a job is being handed out may not list it yet: keep fresh takes this long. */
const FRESH_TAKE_MS = 5_000;
const ANSWERED_KEPT = 32;
/** Late requests of an exited process are ignored this long (its in-flight requests end well within it). */
const RETIRED_KEPT_MS = 10 * 60_000;

export class WorkerRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly locals = new Map<string, Local>();
  /**
   * Long-polls (job-take, job-stop) this node holds open per worker. An open long-poll is a sign of life as good as
   * a ping: the worker is waiting on this very server, and the poll ends within its hold, after which a worker
   * that is gone stops renewing it. Node-local on purpose: other nodes learn of it through `lastSeen` in snapshots.
   */
  private readonly openPolls = new Map<string, number>();
  /** Workers whose process has exited (see `retire`), with when. */
  private readonly retired = new Map<string, number>();
  private readonly listeners = new Set<(e: WorkerEvent) => void>();

  constructor(private readonly options: WorkerRegistryOptions) {}

  /** Calls `listener` synchronously on every event; returns the unsubscribe function. */
  on(listener: (e: WorkerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: WorkerEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A reader's failure must not fail the worker's request.
      }
    }
  }

  /** The worker's entry, created on first contact; undefined for a worker whose process has exited. */
  private entry(endpointId: string, workerId: string, now: number): Entry | undefined {
    if (this.retired.has(workerId)) return undefined;
    let e = this.entries.get(workerId);
    if (!e || e.endpointId !== endpointId) {
      e = {
        id: workerId,
        endpointId,
        firstSeen: now,
        lastSeen: now,
        concurrency: 1,
        initializing: false,
        throttled: false,
        recycle: false,
      };
      this.entries.set(workerId, e);
      this.locals.delete(workerId);
    }
    return e;
  }

  private local(workerId: string): Local {
    let l = this.locals.get(workerId);
    if (!l) {
      l = { held: new Map(), answered: [], jobsDone: 0 };
      this.locals.set(workerId, l);
    }
    return l;
  }

  private contact(endpointId: string, workerId: string, now: number): Entry | undefined {
    const e = this.entry(endpointId, workerId, now);
    if (!e) return undefined;
    e.lastSeen = Math.max(e.lastSeen, now);
    e.firstContactAt ??= now;
    return e;
  }

  // ─── fed by the supervisor ─────────────────────────────────────────────────────────────────────────────────

  /** A supervisor started the worker's process: it is initializing until its first job-take request. */
  spawned(endpointId: string, workerId: string, at: number): void {
    this.retired.delete(workerId);
    this.locals.delete(workerId);
    this.entries.set(workerId, {
      id: workerId,
      endpointId,
      firstSeen: at,
      lastSeen: at,
      concurrency: 1,
      initializing: true,
      throttled: false,
      recycle: false,
      spawnedAt: at,
    });
  }

  /** Same as `spawned`, for starters that do not measure cold starts (`gantry dev`). */
  markInitializing(endpointId: string, workerId: string, now: number): void {
    this.spawned(endpointId, workerId, now);
  }

  /** The supervisor's judgement: a reason makes the worker unhealthy; undefined takes it back. */
  judge(workerId: string, verdict: string | undefined): void {
    if (!this.entries.has(workerId)) return;
    if (verdict === undefined) {
      const l = this.locals.get(workerId);
      if (l) delete l.verdict;
    } else this.local(workerId).verdict = verdict;
  }

  /** The worker's process has exited: it leaves the registry, and requests it left in flight are ignored. */
  retire(workerId: string, now: number): void {
    this.remove(workerId);
    this.retired.set(workerId, now);
  }

  // ─── fed by the engine, as the worker protocol happens ─────────────────────────────────────────────────────

  /** A job-take request arrived: the worker is up and takes up to `max` jobs at once. */
  takeRequested(endpointId: string, workerId: string, max: number, now: number): void {
    const e = this.contact(endpointId, workerId, now);
    if (!e) return;
    if (Number.isInteger(max) && max > e.concurrency) e.concurrency = max;
    e.initializing = false;
    if (e.firstTakeAt !== undefined) return;
    e.firstTakeAt = now;
    this.emit(readyEvent(e));
  }

  /** Jobs handed to the worker. */
  taken(endpointId: string, workerId: string, jobIds: readonly string[], now: number): void {
    if (!this.contact(endpointId, workerId, now)) return;
    const l = this.local(workerId);
    for (const id of jobIds) l.held.set(id, now);
  }

  /** Jobs handed to a take request whose client went away: they went back to the queue. */
  putBack(workerId: string, jobIds: readonly string[]): void {
    const l = this.locals.get(workerId);
    if (l) for (const id of jobIds) l.held.delete(id);
  }

  /**
   * A job-done post. `final` is false for progress (`status: IN_PROGRESS`), which does not release the job. A
   * refused post (unknown job, held by another worker) still shows the worker is done with that job.
   */
  done(endpointId: string, workerId: string, jobId: string, final: boolean, now: number): void {
    if (!this.contact(endpointId, workerId, now) || !final) return;
    const l = this.local(workerId);
    l.held.delete(jobId);
    if (l.answered.includes(jobId)) return; // a repeated post
    l.answered.push(jobId);
    if (l.answered.length > ANSWERED_KEPT) l.answered.shift();
    l.jobsDone++;
    l.lastJobAt = now;
    const first = l.firstDoneAt === undefined;
    l.firstDoneAt ??= now;
    this.emit({ type: "answered", endpointId, workerId, jobId, at: now, first });
  }

  /**
   * Any other contact from a running worker (ping, stream chunk). A ping passes `jobIds`, the jobs it runs:
   * they replace the held set, except jobs handed out moments ago (the ping may predate them).
   */
  seen(
    endpointId: string,
    workerId: string,
    now: number,
    info: { concurrency?: number; version?: string; jobIds?: readonly string[] } = {},
  ): void {
    const e = this.contact(endpointId, workerId, now);
    if (!e) return;
    if (info.concurrency !== undefined && info.concurrency > e.concurrency) e.concurrency = info.concurrency;
    if (info.version !== undefined) e.version = info.version;
    if (info.jobIds === undefined) return;
    const l = this.local(workerId);
    const listed = new Set(info.jobIds.filter((id) => !l.answered.includes(id)));
    for (const [id, since] of l.held) if (!listed.has(id) && now - since > FRESH_TAKE_MS) l.held.delete(id);
    for (const id of listed) if (!l.held.has(id)) l.held.set(id, now);
  }

  /**
   * A long-poll from the worker is now held open: while it is, the worker counts as seen. It does not register
   * the worker or end its initialization (a job-stop poll may come before the first take).
   */
  pollOpened(workerId: string): void {
    this.openPolls.set(workerId, (this.openPolls.get(workerId) ?? 0) + 1);
  }

  /** The long-poll ended (answered, held out, or its connection closed): the worker was last seen now. */
  pollClosed(workerId: string, now: number): void {
    const open = (this.openPolls.get(workerId) ?? 0) - 1;
    if (open > 0) this.openPolls.set(workerId, open);
    else this.openPolls.delete(workerId);
    const e = this.entries.get(workerId);
    if (e) e.lastSeen = Math.max(e.lastSeen, now);
  }

  /** When the worker was last heard from; now, while one of its long-polls is held open. */
  private lastSeenOf(e: Entry, now: number): number {
    return this.openPolls.has(e.id) ? Math.max(e.lastSeen, now) : e.lastSeen;
  }

  /** A healthy ping or a take clears an earlier unhealthy report of the same worker id. */
  healthy(workerId: string): void {
    const e = this.entries.get(workerId);
    if (e) delete e.unhealthy;
  }

  reportUnhealthy(endpointId: string, workerId: string, now: number, check?: string, reason?: string): void {
    const e = this.contact(endpointId, workerId, now);
    if (!e) return;
    e.unhealthy = { at: now };
    if (check !== undefined) e.unhealthy.check = check;
    if (reason !== undefined) e.unhealthy.reason = reason;
  }

  markThrottled(endpointId: string, workerId: string, now: number, throttled: boolean): void {
    const e = this.entry(endpointId, workerId, now);
    if (e) e.throttled = throttled;
  }

  markRecycle(workerId: string, now = Date.now()): void {
    const e = this.entries.get(workerId);
    if (!e) return;
    e.recycle = true;
    e.recycleAt = now;
  }

  /** Whether takes from this worker must be refused: it asked to be recycled, within `recycleHoldMs`. */
  recycling(workerId: string, now: number): boolean {
    const e = this.entries.get(workerId);
    if (!e?.recycle) return false;
    if (now - (e.recycleAt ?? now) < (this.options.recycleHoldMs ?? 60_000)) return true;
    e.recycle = false;
    delete e.recycleAt;
    return false;
  }

  shouldRecycle(workerId: string): boolean {
    return this.entries.get(workerId)?.recycle ?? false;
  }

  // ─── reading ───────────────────────────────────────────────────────────────────────────────────────────────

  endpoints(): string[] {
    return [...new Set([...this.entries.values()].map((e) => e.endpointId))];
  }

  remove(workerId: string): void {
    this.entries.delete(workerId);
    this.locals.delete(workerId);
  }

  /** Forgets quiet workers; returns their ids. `busy` lists workers that still hold jobs. */
  prune(now: number, busy: (workerId: string) => boolean): string[] {
    const gone: string[] = [];
    const spawnedStaleMs = this.options.spawnedStaleMs ?? 15 * 60_000;
    for (const e of this.entries.values()) {
      const quietFor = now - this.lastSeenOf(e, now);
      const unhealthyVisible = e.unhealthy !== undefined && now - e.unhealthy.at <= this.options.unhealthyMs;
      // Initializing workers are the supervisor's to remove: a slow model load is not death.
      const supervised = e.spawnedAt !== undefined && quietFor <= spawnedStaleMs;
      if (
        quietFor > this.options.staleMs &&
        !unhealthyVisible &&
        !e.initializing &&
        !supervised &&
        !busy(e.id)
      )
        gone.push(e.id);
    }
    for (const id of gone) this.remove(id);
    for (const [id, at] of this.retired) if (now - at > RETIRED_KEPT_MS) this.retired.delete(id);
    return gone;
  }

  /** One worker with its derived state; its job count is what it says it runs (no store load). */
  get(workerId: string, now = Date.now()): WorkerInfo | undefined {
    const e = this.entries.get(workerId);
    return e && this.info(e, 0, now);
  }

  /** Workers of an endpoint with their derived state; `loads` = jobs held per worker (from the store). */
  list(endpointId: string, loads: ReadonlyMap<string, number>, now = Date.now()): WorkerInfo[] {
    const out: WorkerInfo[] = [];
    for (const e of this.entries.values())
      if (e.endpointId === endpointId) out.push(this.info(e, loads.get(e.id) ?? 0, now));
    return out;
  }

  private info(e: Entry, load: number, now: number): WorkerInfo {
    const l = this.locals.get(e.id);
    const held = l ? [...l.held.keys()] : [];
    const jobs = Math.max(load, held.length);
    const verdict = l?.verdict;
    const info: WorkerInfo = {
      id: e.id,
      endpointId: e.endpointId,
      state: deriveState({
        unhealthy: e.unhealthy,
        verdict,
        initializing: e.initializing,
        jobs,
        throttled: e.throttled,
      }),
      firstSeen: e.firstSeen,
      lastSeen: this.lastSeenOf(e, now),
      concurrency: e.concurrency,
      jobs,
      recycle: e.recycle,
      jobsDone: l?.jobsDone ?? 0,
      held,
    };
    if (e.version !== undefined) info.version = e.version;
    if (e.unhealthy) info.unhealthy = { ...e.unhealthy };
    if (e.spawnedAt !== undefined) info.spawnedAt = e.spawnedAt;
    if (e.firstContactAt !== undefined) info.firstContactAt = e.firstContactAt;
    if (e.firstTakeAt !== undefined) info.firstTakeAt = e.firstTakeAt;
    const cold = coldStartOf(e);
    if (cold !== undefined) info.coldStartMs = cold;
    if (l?.firstDoneAt !== undefined) info.firstDoneAt = l.firstDoneAt;
    if (l?.lastJobAt !== undefined) info.lastJobAt = l.lastJobAt;
    if (verdict !== undefined) info.verdict = verdict;
    return info;
  }

  // ─── multi-node: the registry is replicated through the store by `WorkerRegistrySync` ──────────────────────
  /** Entries as plain data; a worker with a long-poll open here is reported as seen `now`. */
  snapshots(now = Date.now()): WorkerSnapshot[] {
    return [...this.entries.values()].map((e) => ({
      ...structuredClone(e),
      lastSeen: this.lastSeenOf(e, now),
    }));
  }

  /**
   * Takes another node's newer copy of an entry. What only moves one way stays so: `lastSeen` never moves back,
   * and a worker this node saw take a job does not become initializing again.
   */
  adopt(snapshot: WorkerSnapshot): void {
    if (this.retired.has(snapshot.id)) return;
    const current = this.entries.get(snapshot.id);
    const next = structuredClone(snapshot);
    const wasReady = current?.firstTakeAt !== undefined;
    if (current && current.endpointId === next.endpointId) {
      next.lastSeen = Math.max(current.lastSeen, next.lastSeen);
      next.firstContactAt = earliest(current.firstContactAt, next.firstContactAt);
      next.firstTakeAt = earliest(current.firstTakeAt, next.firstTakeAt);
      if (next.firstContactAt === undefined) delete next.firstContactAt;
      if (next.firstTakeAt === undefined) delete next.firstTakeAt;
      if (next.firstTakeAt !== undefined) next.initializing = false;
    } else this.locals.delete(snapshot.id);
    this.entries.set(next.id, next);
    if (!wasReady && next.firstTakeAt !== undefined) this.emit(readyEvent(next));
  }

  /** Another node heard from the worker at `lastSeen`. */
  touch(workerId: string, lastSeen: number): void {
    const e = this.entries.get(workerId);
    if (e && lastSeen > e.lastSeen) e.lastSeen = lastSeen;
  }

  static summarize(workers: readonly WorkerInfo[]): WorkerSummary {
    return summarize(workers);
  }

  static describeUnhealthy(w: WorkerInfo): string {
    return describeUnhealthy(w);
  }
}

const earliest = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

const coldStartOf = (e: Entry): number | undefined =>
  e.spawnedAt !== undefined && e.firstTakeAt !== undefined
    ? Math.max(0, e.firstTakeAt - e.spawnedAt)
    : undefined;

function readyEvent(e: Entry): WorkerEvent {
  const cold = coldStartOf(e);
  const event: WorkerEvent = {
    type: "ready",
    endpointId: e.endpointId,
    workerId: e.id,
    at: e.firstTakeAt ?? 0,
  };
  if (cold !== undefined) event.coldStartMs = cold;
  return event;
}
