/**
 * The worker registry: the one record of every worker's liveness, kept as the worker protocol happens. The
 * engine feeds it from each take, result, stream chunk, ping and long-poll; a process supervisor adds the
 * spawns it makes and its verdicts. `/health`, the admin API and the supervisor (scaler, hints, cold-start
 * figures) all read it, so they agree at every moment. Readers that must act on a change the moment it happens
 * (a worker's first job-take ends its cold start) subscribe to its events.
 * In memory on purpose: workers re-announce themselves within a ping interval after a restart.
 */

import { coldStartOf, mergeEntry, newEntry, readyEvent, type WorkerEntry } from "./worker-entry.js";
import { WorkerTraffic } from "./worker-traffic.js";
import {
  deriveState,
  describeUnhealthy,
  summarize,
  type WorkerEvent,
  type WorkerInfo,
  type WorkerState,
  type WorkerSummary,
} from "./worker-view.js";

export type { WorkerEvent, WorkerInfo, WorkerState, WorkerSummary };

/** Multi-node: one registry entry as plain data, shared through the store (worker-sync.ts). */
export type WorkerSnapshot = WorkerEntry;
type Entry = WorkerEntry;

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

/** Late requests of an exited process are ignored this long (its in-flight requests end well within it). */
const RETIRED_KEPT_MS = 10 * 60_000;

export class WorkerRegistry {
  private readonly entries = new Map<string, Entry>();
  /** What this node saw of each worker's traffic (long-polls, held jobs, answers, verdicts). */
  private readonly traffic = new WorkerTraffic();
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
      e = newEntry(endpointId, workerId, now);
      this.entries.set(workerId, e);
      this.traffic.forget(workerId);
    }
    return e;
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
    this.traffic.forget(workerId);
    this.entries.set(workerId, { ...newEntry(endpointId, workerId, at), initializing: true, spawnedAt: at });
  }

  /** Same as `spawned`, for starters that do not measure cold starts (`gantry dev`). */
  markInitializing(endpointId: string, workerId: string, now: number): void {
    this.spawned(endpointId, workerId, now);
  }

  /** The supervisor's judgement: a reason makes the worker unhealthy; undefined takes it back. */
  judge(workerId: string, verdict: string | undefined): void {
    if (this.entries.has(workerId)) this.traffic.judge(workerId, verdict);
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
  taken(endpointId: string, workerId: string, jobs: readonly { id: string }[], now: number): void {
    if (this.contact(endpointId, workerId, now)) this.traffic.taken(workerId, jobs, now);
  }

  /** Jobs handed to a take request whose client went away: they went back to the queue. */
  putBack(workerId: string, jobIds: readonly string[]): void {
    this.traffic.putBack(workerId, jobIds);
  }

  /**
   * A job-done post. `final` is false for progress (`status: IN_PROGRESS`), which does not release the job. A
   * refused post (unknown job, held by another worker) still shows the worker is done with that job.
   */
  done(endpointId: string, workerId: string, jobId: string, final: boolean, now: number): void {
    if (!this.contact(endpointId, workerId, now) || !final) return;
    const answer = this.traffic.answered(workerId, jobId, now);
    // Built only when someone listens (a supervisor): without one, an answer costs no event per job.
    if (answer && this.listeners.size > 0)
      this.emit({ type: "answered", endpointId, workerId, jobId, at: now, first: answer.first });
  }

  /**
   * Any other contact from a running worker (ping, stream chunk). A ping passes `jobIds`, the jobs it runs:
   * they replace the held set, except jobs handed out moments ago (the ping may predate them).
   */
  seen(
    endpointId: string,
    workerId: string,
    now: number,
    info: { concurrency?: number; version?: string | undefined; jobIds?: readonly string[] } = {},
  ): void {
    const e = this.contact(endpointId, workerId, now);
    if (!e) return;
    if (info.concurrency !== undefined && info.concurrency > e.concurrency) e.concurrency = info.concurrency;
    if (info.version !== undefined) e.version = info.version;
    if (info.jobIds !== undefined) this.traffic.pinged(workerId, info.jobIds, now);
  }

  /**
   * A long-poll from the worker is now held open: while it is, the worker counts as seen. It does not register
   * the worker or end its initialization (a job-stop poll may come before the first take).
   */
  pollOpened(workerId: string): void {
    this.traffic.pollOpened(workerId);
  }

  /** The long-poll ended (answered, held out, or its connection closed): the worker was last seen now. */
  pollClosed(workerId: string, now: number): void {
    this.traffic.pollClosed(workerId);
    const e = this.entries.get(workerId);
    if (e) e.lastSeen = Math.max(e.lastSeen, now);
  }

  /** When the worker was last heard from; now, while one of its long-polls is held open. */
  private lastSeenOf(e: Entry, now: number): number {
    return this.traffic.polling(e.id) ? Math.max(e.lastSeen, now) : e.lastSeen;
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
    this.traffic.forget(workerId);
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
    const t = this.traffic.view(e.id);
    const jobs = Math.max(load, t.held.length);
    const verdict = t.verdict;
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
      jobsDone: t.jobsDone,
      held: t.held,
    };
    if (e.version !== undefined) info.version = e.version;
    if (e.unhealthy) info.unhealthy = { ...e.unhealthy };
    if (e.spawnedAt !== undefined) info.spawnedAt = e.spawnedAt;
    if (e.firstContactAt !== undefined) info.firstContactAt = e.firstContactAt;
    if (e.firstTakeAt !== undefined) info.firstTakeAt = e.firstTakeAt;
    const cold = coldStartOf(e);
    if (cold !== undefined) info.coldStartMs = cold;
    if (t.firstDoneAt !== undefined) info.firstDoneAt = t.firstDoneAt;
    if (t.lastJobAt !== undefined) info.lastJobAt = t.lastJobAt;
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

  /** Takes another node's newer copy of an entry (see `mergeEntry`). */
  adopt(snapshot: WorkerSnapshot): void {
    if (this.retired.has(snapshot.id)) return;
    const current = this.entries.get(snapshot.id);
    const next = mergeEntry(current, snapshot);
    if (current?.endpointId !== next.endpointId) this.traffic.forget(next.id);
    this.entries.set(next.id, next);
    if (current?.firstTakeAt === undefined && next.firstTakeAt !== undefined) this.emit(readyEvent(next));
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
