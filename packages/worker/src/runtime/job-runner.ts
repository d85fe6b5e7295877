import type { NormalizedConfig } from "../config.js";
import { errorStringFromThrown } from "../job/error-info.js";
import { type ExecutionOutcome, executeJobDetailed } from "../job/execute.js";
import type { Logger } from "../logger.js";
import type { HandlerContext, Job } from "../types.js";
import { type HeldJob, holdJob } from "./held-jobs.js";
import {
  type JobEffect,
  type JobEvent,
  type JobResult,
  streams,
  takesProgress,
  transition,
} from "./job-phase.js";
import { progressBody } from "./progress.js";
import type { ResultPoster } from "./result-poster.js";
import type { WorkerState } from "./worker-state.js";

export interface JobRunnerOptions {
  state: WorkerState;
  config: NormalizedConfig;
  log: Logger;
  workerId: string;
  /** Environment for error reports (`hostname`, `worker_id`). */
  processEnv: NodeJS.ProcessEnv;
  poster: ResultPoster;
  /** The held jobs changed (the heartbeat names them in its pings). */
  heldChanged: () => void;
  /** Starts the shutdown (a worker that recycles after each job). */
  shutdown: (reason: string) => void;
}

// The events that carry nothing, shared by every job; and how each tracked effect's end becomes its event.
const START: JobEvent = Object.freeze({ type: "start" });
const STOP: JobEvent = Object.freeze({ type: "stop" });
const GIVE_BACK: JobEvent = Object.freeze({ type: "give-back" });
const POSTS_DRAINED: JobEvent = Object.freeze({ type: "posts-drained" });
const RESULT_SENT: JobEvent = Object.freeze({ type: "result-sent" });
const settled = (result: JobResult): JobEvent => ({ type: "settled", result });
const postsDrained = (): JobEvent => POSTS_DRAINED;
const resultSent = (): JobEvent => RESULT_SENT;

/**
 * Carries out the jobs' phases (job-phase.ts): reports each job's events to `transition` and applies the effects
 * it answers. The asynchronous effects (the handler, draining the post chain, the result post) report their end
 * as the next event; `idle()` waits for all of them.
 */
export class JobRunner {
  readonly #o: JobRunnerOptions;
  readonly #tasks = new Set<Promise<void>>();

  constructor(options: JobRunnerOptions) {
    this.#o = options;
  }

  /** Holds newly taken jobs and starts as many as the concurrency allows. */
  accept(jobs: readonly Job[]): void {
    const { held } = this.#o.state;
    for (const job of jobs) {
      if (held.has(job.id)) {
        this.#o.log.warn(`Job ${job.id} is already held by this worker; duplicate ignored.`);
        continue;
      }
      held.add(holdJob(job, this.#o.log.forJob(job)));
    }
    // Counted only for a line that prints: the default level of a deployed worker (WARN) leaves it out.
    if (this.#o.log.isEnabled("INFO")) this.#o.log.info(`Jobs in queue: ${held.queuedCount()}`);
    this.#heldChanged();
    this.fillSlots();
  }

  /** Starts queued jobs, oldest first, while fewer handlers run than the concurrency. */
  fillSlots(): void {
    const { held } = this.#o.state;
    // Counted once a queued job is found: most calls (one after each event of a job) find none.
    let executing = -1;
    for (const entry of held.live()) {
      if (entry.phase.name !== "queued") continue;
      if (executing < 0) executing = held.executing();
      if (executing >= this.#o.state.concurrency) return;
      this.#dispatch(entry, START);
      executing++;
    }
  }

  /** The platform stopped these jobs (ids the worker does not hold are ignored). */
  stop(ids: readonly string[]): void {
    for (const id of ids) {
      const entry = this.#o.state.held.get(id);
      if (entry) this.#dispatch(entry, STOP);
    }
    // Once all are stopped, so a queued job stopped in the same answer does not start in between.
    this.fillSlots();
  }

  /** The shutdown's grace period is over: queued jobs go back unrun, running handlers are aborted. */
  giveBack(): void {
    for (const entry of this.#o.state.held.values()) this.#dispatch(entry, GIVE_BACK);
  }

  /** Handlers, post-chain drains or result posts still under way. */
  get busy(): boolean {
    return this.#tasks.size > 0;
  }

  /** Resolves once no handler, drain or result post is under way. */
  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  /** Sends a progress update of a held job, after the ones before it and never after its result. */
  async sendProgress(jobId: string, progress: unknown, message?: string): Promise<void> {
    const entry = this.#o.state.held.get(jobId);
    if (!entry || !takesProgress(entry.phase)) {
      this.#o.log.debug("Progress update for a job this worker no longer runs; dropped.", jobId);
      return;
    }
    const body = progressBody(progress, message);
    const queued = entry.chain.enqueue(() => this.#o.poster.postProgress({ jobId, body, log: entry.log }));
    if (!queued) {
      entry.log.debug("Progress update after the job's result; dropped.");
      return;
    }
    await queued;
  }

  #dispatch(entry: HeldJob, event: JobEvent): void {
    const next = transition(entry.phase, event);
    if (!next.ok) {
      entry.log.debug(`Event ignored: ${next.message}.`);
      return;
    }
    entry.phase = next.phase;
    for (const effect of next.effects) this.#apply(entry, effect);
  }

  #apply(entry: HeldJob, effect: JobEffect): void {
    switch (effect.type) {
      case "run-handler":
        this.#track(entry, this.#execute(entry), settled);
        return;
      case "abort-handler": {
        const reason = effect.reason === "stopped" ? "Job stopped by the platform" : "Worker shutting down";
        entry.controller.abort(new DOMException(reason, "AbortError"));
        return;
      }
      case "drain-posts":
        this.#track(entry, entry.chain.close(), postsDrained);
        return;
      case "release":
        if (this.#o.state.held.release(entry)) this.#heldChanged();
        return;
      case "post-result": {
        // The slot frees before the post, so the next take runs beside it.
        if (effect.slotFreed) this.fillSlots();
        const { result, slotFreed } = effect;
        const posted = this.#o.poster.postResult({ jobId: entry.job.id, result, log: entry.log, slotFreed });
        this.#track(entry, posted, resultSent);
        return;
      }
      case "fill-slots":
        this.fillSlots();
        return;
      case "next-job":
        if (this.#o.config.refreshWorker) this.#o.shutdown("refreshWorker: one job per worker");
        else this.fillSlots();
        return;
      case "log":
        entry.log[effect.level](effect.message);
        return;
    }
  }

  /**
   * Keeps `work` among the tasks `idle()` waits for; reports the event it ends with. The task leaves the set just
   * before its event is dispatched (which may add the next task at once): one promise per task, no `finally`.
   */
  #track<T>(entry: HeldJob, work: Promise<T>, then: (value: T) => JobEvent): void {
    const task: Promise<void> = work.then(
      (value) => {
        this.#tasks.delete(task);
        this.#dispatch(entry, then(value));
      },
      (thrown: unknown) => {
        this.#tasks.delete(task);
        entry.log.error(`Internal error: ${String(thrown)}`);
      },
    );
    this.#tasks.add(task);
  }

  async #execute(entry: HeldJob): Promise<JobResult> {
    const { job, log } = entry;
    const { config, processEnv, poster } = this.#o;
    const context: HandlerContext = {
      signal: entry.controller.signal,
      progress: (progress, message) => this.sendProgress(job.id, progress, message),
      log,
      workerId: this.#o.workerId,
    };
    log.info("Started.");
    const onChunk = async (chunk: unknown): Promise<void> => {
      if (streams(entry.phase)) await poster.postChunk({ jobId: job.id, chunk, log });
    };
    let outcome: ExecutionOutcome;
    try {
      outcome = await executeJobDetailed(job, config, context, onChunk, { env: processEnv });
    } catch (thrown) {
      outcome = { body: { error: errorStringFromThrown(thrown, processEnv) }, streamed: false };
    }
    return {
      body: config.refreshWorker ? { ...outcome.body, stopPod: true } : outcome.body,
      streamed: outcome.streamed,
    };
  }

  #heldChanged(): void {
    this.#o.heldChanged();
    this.#o.state.changes.notify();
  }
}
