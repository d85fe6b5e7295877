/**
 * What the worker protocol reveals about each worker, as the supervisor needs it: when it first asked for a job
 * (end of its cold start), how many jobs it takes at once, which jobs it holds, whether it asked to be recycled
 * (`stopPod`) or reported itself unhealthy. Fed by `trackPlatform` (or directly by the engine); read by the
 * supervisor. In memory only: it describes live processes.
 */
import type { PingReport, WorkerDoneBody, WorkerJob } from "../engine/platform.js";

export interface WorkerActivity {
  firstTakeAt?: number;
  lastSeenAt: number;
  /** Largest batch it asked for: its own concurrency. */
  concurrency: number;
  /** Jobs it holds now (taken and not finished, or listed in its latest ping). */
  held: ReadonlySet<string>;
  /** It has finished at least one job. */
  finishedAny: boolean;
  lastJobAt?: number;
  stopPod: boolean;
  unhealthy?: { check?: string; reason?: string; at: number };
}

interface Entry {
  firstTakeAt?: number;
  lastSeenAt: number;
  /** Long-polls (job-take, job-stop) being held open for it: while any is, it is not silent. */
  openPolls: number;
  concurrency: number;
  /** job id → when this worker got it */
  held: Map<string, number>;
  finishedAny: boolean;
  lastJobAt?: number;
  stopPod: boolean;
  unhealthy?: { check?: string; reason?: string; at: number };
}

/** A ping in flight while a job is being handed out may not list it yet: keep fresh takes this long. */
const FRESH_TAKE_MS = 5_000;

const key = (endpointId: string, workerId: string): string => `${endpointId}\u0000${workerId}`;

export class WorkerActivityTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #entry(endpointId: string, workerId: string): Entry {
    const k = key(endpointId, workerId);
    let e = this.#entries.get(k);
    if (!e) {
      e = {
        lastSeenAt: this.#now(),
        openPolls: 0,
        concurrency: 1,
        held: new Map(),
        finishedAny: false,
        stopPod: false,
      };
      this.#entries.set(k, e);
    }
    return e;
  }

  /** A job-take request arrived (before it is answered): the worker is up and wants `max` jobs. */
  takeRequested(endpointId: string, workerId: string, max: number): void {
    const now = this.#now();
    const e = this.#entry(endpointId, workerId);
    e.firstTakeAt ??= now;
    e.lastSeenAt = now;
    if (Number.isInteger(max) && max > e.concurrency) e.concurrency = max;
  }

  taken(endpointId: string, workerId: string, jobs: readonly WorkerJob[]): void {
    const now = this.#now();
    const e = this.#entry(endpointId, workerId);
    e.lastSeenAt = now;
    for (const j of jobs) e.held.set(j.id, now);
  }

  putBack(endpointId: string, workerId: string, jobIds: readonly string[]): void {
    const e = this.#entries.get(key(endpointId, workerId));
    if (e) for (const id of jobIds) e.held.delete(id);
  }

  pinged(endpointId: string, workerId: string, report: PingReport): void {
    const now = this.#now();
    const e = this.#entry(endpointId, workerId);
    e.lastSeenAt = now;
    if (report.status === "unhealthy") {
      const u: NonNullable<Entry["unhealthy"]> = { at: now };
      if (report.check !== undefined) u.check = report.check;
      if (report.reason !== undefined) u.reason = report.reason;
      e.unhealthy = u;
      return;
    }
    const listed = new Set(report.jobIds ?? []);
    for (const [id, since] of e.held) {
      if (!listed.has(id) && now - since > FRESH_TAKE_MS) e.held.delete(id);
    }
    for (const id of listed) if (!e.held.has(id)) e.held.set(id, now);
  }

  /** A job-done post. Progress (`status: IN_PROGRESS`) does not release the job. */
  done(endpointId: string, workerId: string, jobId: string, body: WorkerDoneBody): void {
    const now = this.#now();
    const e = this.#entry(endpointId, workerId);
    e.lastSeenAt = now;
    if (body.status === "IN_PROGRESS") return;
    e.held.delete(jobId);
    e.finishedAny = true;
    e.lastJobAt = now;
    if (body.stopPod === true) e.stopPod = true;
  }

  /** Any other authenticated request from the worker (stream chunk, job-stop poll). */
  seen(endpointId: string, workerId: string): void {
    this.#entry(endpointId, workerId).lastSeenAt = this.#now();
  }

  /**
   * A long-poll of the worker is being held: it counts as seen until the poll ends. Gantry's SDK does not ping
   * while it waits idle in a job-take on Gantry, so without this an idle worker would look silent.
   */
  pollOpened(endpointId: string, workerId: string): void {
    const e = this.#entry(endpointId, workerId);
    e.openPolls++;
    e.lastSeenAt = this.#now();
  }

  pollClosed(endpointId: string, workerId: string): void {
    const e = this.#entries.get(key(endpointId, workerId));
    if (!e) return;
    e.openPolls = Math.max(0, e.openPolls - 1);
    e.lastSeenAt = this.#now();
  }

  get(endpointId: string, workerId: string): WorkerActivity | undefined {
    const e = this.#entries.get(key(endpointId, workerId));
    if (!e) return undefined;
    const a: WorkerActivity = {
      lastSeenAt: e.openPolls > 0 ? Math.max(e.lastSeenAt, this.#now()) : e.lastSeenAt,
      concurrency: e.concurrency,
      held: new Set(e.held.keys()),
      finishedAny: e.finishedAny,
      stopPod: e.stopPod,
    };
    if (e.firstTakeAt !== undefined) a.firstTakeAt = e.firstTakeAt;
    if (e.lastJobAt !== undefined) a.lastJobAt = e.lastJobAt;
    if (e.unhealthy) a.unhealthy = { ...e.unhealthy };
    return a;
  }

  /** Workers that have talked to the platform for this endpoint (including ones started elsewhere). */
  workerIds(endpointId: string): string[] {
    const prefix = `${endpointId}\u0000`;
    return [...this.#entries.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  forget(endpointId: string, workerId: string): void {
    this.#entries.delete(key(endpointId, workerId));
  }
}
