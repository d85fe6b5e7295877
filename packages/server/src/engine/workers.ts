/**
 * The worker registry: who has been seen on which endpoint, and in what state.
 * In memory on purpose: workers re-announce themselves within a ping interval after a restart.
 */

export type WorkerState = "idle" | "running" | "unhealthy" | "initializing" | "throttled";

export interface WorkerInfo {
  id: string;
  endpointId: string;
  state: WorkerState;
  firstSeen: number;
  lastSeen: number;
  /** Largest batch size the worker asked for: its concurrency as far as we can tell. */
  concurrency: number;
  /** Jobs it holds right now. */
  jobs: number;
  version?: string;
  unhealthy?: { check?: string; reason?: string; at: number };
  /** The worker asked to be recycled (`stopPod`). */
  recycle: boolean;
}

/** Multi-node: one registry entry as plain data, shared through the store (worker-sync.ts). */
export type WorkerSnapshot = Entry;

interface Entry {
  id: string;
  endpointId: string;
  firstSeen: number;
  lastSeen: number;
  concurrency: number;
  version?: string;
  unhealthy?: { check?: string; reason?: string; at: number };
  initializing: boolean;
  throttled: boolean;
  recycle: boolean;
  recycleAt?: number;
}

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
}

export interface WorkerSummary {
  idle: number;
  initializing: number;
  ready: number;
  running: number;
  throttled: number;
  unhealthy: number;
}

export class WorkerRegistry {
  private readonly entries = new Map<string, Entry>();
  /**
   * Long-polls (job-take, job-stop) this node holds open per worker. An open long-poll is a sign of life as good as
   * a ping: the worker is waiting on this very server, and the poll ends within its hold, after which a worker
   * that is gone stops renewing it. Node-local on purpose: other nodes learn of it through `lastSeen` in snapshots.
   */
  private readonly openPolls = new Map<string, number>();

  constructor(private readonly options: WorkerRegistryOptions) {}

  private entry(endpointId: string, workerId: string, now: number): Entry {
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
    }
    return e;
  }

  /** Any contact from a running worker: it is alive and past initialization. */
  seen(
    endpointId: string,
    workerId: string,
    now: number,
    info: { concurrency?: number; version?: string } = {},
  ): void {
    const e = this.entry(endpointId, workerId, now);
    e.lastSeen = Math.max(e.lastSeen, now);
    e.initializing = false;
    if (info.concurrency !== undefined && info.concurrency > e.concurrency) e.concurrency = info.concurrency;
    if (info.version !== undefined) e.version = info.version;
  }

  /**
   * A long-poll from the worker is now held open: while it is, the worker counts as seen. It does not register
   * the worker or end its initialization (a job-stop poll may come before the first take); `seen` does that.
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
    const e = this.entry(endpointId, workerId, now);
    e.lastSeen = Math.max(e.lastSeen, now);
    e.unhealthy = { at: now };
    if (check !== undefined) e.unhealthy.check = check;
    if (reason !== undefined) e.unhealthy.reason = reason;
  }

  /** For a process supervisor: a worker that was started but has not called in yet. */
  markInitializing(endpointId: string, workerId: string, now: number): void {
    const e = this.entry(endpointId, workerId, now);
    e.initializing = true;
    e.lastSeen = now;
  }

  markThrottled(endpointId: string, workerId: string, now: number, throttled: boolean): void {
    this.entry(endpointId, workerId, now).throttled = throttled;
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

  endpoints(): string[] {
    return [...new Set([...this.entries.values()].map((e) => e.endpointId))];
  }

  remove(workerId: string): void {
    this.entries.delete(workerId);
  }

  /** Forgets quiet workers; returns their ids. `busy` lists workers that still hold jobs. */
  prune(now: number, busy: (workerId: string) => boolean): string[] {
    const gone: string[] = [];
    for (const e of this.entries.values()) {
      const quiet = now - this.lastSeenOf(e, now) > this.options.staleMs;
      const unhealthyVisible = e.unhealthy !== undefined && now - e.unhealthy.at <= this.options.unhealthyMs;
      // Initializing workers are the supervisor's to remove: a slow model load is not death.
      if (quiet && !unhealthyVisible && !e.initializing && !busy(e.id)) gone.push(e.id);
    }
    for (const id of gone) this.entries.delete(id);
    return gone;
  }

  /** Workers of an endpoint with their derived state; `loads` = jobs held per worker (from the store). */
  list(endpointId: string, loads: ReadonlyMap<string, number>, now = Date.now()): WorkerInfo[] {
    const out: WorkerInfo[] = [];
    for (const e of this.entries.values()) {
      if (e.endpointId !== endpointId) continue;
      const jobs = loads.get(e.id) ?? 0;
      const state: WorkerState = e.unhealthy
        ? "unhealthy"
        : e.initializing
          ? "initializing"
          : jobs > 0
            ? "running"
            : e.throttled
              ? "throttled"
              : "idle";
      const info: WorkerInfo = {
        id: e.id,
        endpointId: e.endpointId,
        state,
        firstSeen: e.firstSeen,
        lastSeen: this.lastSeenOf(e, now),
        concurrency: e.concurrency,
        jobs,
        recycle: e.recycle,
      };
      if (e.version !== undefined) info.version = e.version;
      if (e.unhealthy) info.unhealthy = { ...e.unhealthy };
      out.push(info);
    }
    return out;
  }

  // ─── multi-node: the registry is replicated through the store by `WorkerRegistrySync` ──────────────────────
  /** Entries as plain data; a worker with a long-poll open here is reported as seen `now`. */
  snapshots(now = Date.now()): WorkerSnapshot[] {
    return [...this.entries.values()].map((e) => ({
      ...structuredClone(e),
      lastSeen: this.lastSeenOf(e, now),
    }));
  }

  /** Takes another node's newer copy of an entry; `lastSeen` never moves back. */
  adopt(snapshot: WorkerSnapshot): void {
    const current = this.entries.get(snapshot.id);
    const next = structuredClone(snapshot);
    if (current) next.lastSeen = Math.max(current.lastSeen, next.lastSeen);
    this.entries.set(next.id, next);
  }

  /** Another node heard from the worker at `lastSeen`. */
  touch(workerId: string, lastSeen: number): void {
    const e = this.entries.get(workerId);
    if (e && lastSeen > e.lastSeen) e.lastSeen = lastSeen;
  }

  static summarize(workers: readonly WorkerInfo[]): WorkerSummary {
    const s: WorkerSummary = { idle: 0, initializing: 0, ready: 0, running: 0, throttled: 0, unhealthy: 0 };
    for (const w of workers) {
      s[w.state]++;
      if (w.state === "idle" && !w.recycle) s.ready++;
    }
    return s;
  }

  static describeUnhealthy(w: WorkerInfo): string {
    const what = [w.unhealthy?.check, w.unhealthy?.reason].filter((x) => x).join(": ");
    return `worker ${w.id} is unhealthy${what ? ` (${what})` : ""}`;
  }
}
