import type { Job, JobLogger } from "../types.js";
import { JobPostChain } from "./job-chain.js";
import { isExecuting, type JobPhase, occupiesSlot, QUEUED } from "./job-phase.js";

/** One job the worker took: its phase (see job-phase.ts) and what the runtime needs to act on it. */
export interface HeldJob {
  readonly job: Job;
  /** Aborts the handler's signal (a stop, or the shutdown's grace running out). */
  readonly controller: AbortController;
  /** The job's progress posts and, last, its result: in order, never a progress update after the result. */
  readonly chain: JobPostChain;
  readonly log: JobLogger;
  phase: JobPhase;
}

export function holdJob(job: Job, log: JobLogger): HeldJob {
  return {
    job,
    controller: new AbortController(),
    chain: new JobPostChain(),
    log,
    phase: QUEUED,
  };
}

/**
 * The jobs the worker holds, in the order they were taken (the order queued ones start in). A job leaves once
 * released (its `release` effect), whatever its handler still does.
 */
export class HeldJobs {
  readonly #byId = new Map<string, HeldJob>();

  get size(): number {
    return this.#byId.size;
  }

  get(id: string): HeldJob | undefined {
    return this.#byId.get(id);
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  add(entry: HeldJob): void {
    this.#byId.set(entry.job.id, entry);
  }

  /** Removes `entry`; false when it was no longer held. */
  release(entry: HeldJob): boolean {
    if (this.#byId.get(entry.job.id) !== entry) return false;
    return this.#byId.delete(entry.job.id);
  }

  ids(): string[] {
    return [...this.#byId.keys()];
  }

  values(): HeldJob[] {
    return [...this.#byId.values()];
  }

  /**
   * The held jobs as they are, oldest first, without a copy (the per-job paths walk it several times a job). A job
   * released while this is walked is left out, one held meanwhile is included.
   */
  live(): IterableIterator<HeldJob> {
    return this.#byId.values();
  }

  /** Queued jobs, oldest first. */
  queued(): HeldJob[] {
    const queued: HeldJob[] = [];
    for (const entry of this.#byId.values()) if (entry.phase.name === "queued") queued.push(entry);
    return queued;
  }

  /** How many jobs are queued. */
  queuedCount(): number {
    let count = 0;
    for (const entry of this.#byId.values()) if (entry.phase.name === "queued") count++;
    return count;
  }

  /** Jobs that count against the concurrency: queued or running, not those only posting a result. */
  occupied(): number {
    let count = 0;
    for (const entry of this.#byId.values()) if (occupiesSlot(entry.phase)) count++;
    return count;
  }

  /** Jobs whose handlers hold a slot. */
  executing(): number {
    let count = 0;
    for (const entry of this.#byId.values()) if (isExecuting(entry.phase)) count++;
    return count;
  }
}
