import type { NormalizedConfig } from "../config.js";
import { readWorkerEnv, type WorkerEnv } from "../env.js";
import { errorStringFromThrown } from "../job/error-info.js";
import { type ExecutionOutcome, executeJobDetailed } from "../job/execute.js";
import { log as defaultLogger, type Logger } from "../logger.js";
import type { HandlerContext, Job, JobLogger, ResultBody } from "../types.js";
import { setActiveProgressSink } from "./active.js";
import { nextConcurrency } from "./concurrency.js";
import {
  type FitnessCheck,
  registeredFitnessChecks,
  runFitnessChecks,
  systemFitnessChecks,
} from "./fitness.js";
import { Heartbeat } from "./heartbeat.js";
import { delay, type HttpReply, ProtocolHttp } from "./http.js";
import { JobPostChain } from "./job-chain.js";
import { DEFAULT_RETRY_DELAYS_MS, postJson } from "./post-result.js";
import { progressBody } from "./progress.js";
import { type ReadyResult, ResultBatcher } from "./result-batch.js";
import { parseDoneTakeReply, parseStopReply, parseTakeReply, type TakeOutcome } from "./take-reply.js";
import { reportUnhealthy } from "./unhealthy.js";
import { buildProtocolUrls, type ProtocolUrls } from "./urls.js";

export interface WorkerRuntimeOptions {
  config: NormalizedConfig;
  /** Environment to read the protocol settings from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Install SIGTERM/SIGINT handlers that shut down gracefully (what `start()` does). */
  handleSignals?: boolean;
  /** Waits between result-post attempts (default about a minute in all). */
  retryDelaysMs?: readonly number[];
  /** Checks to run before the heartbeat and the first take (default: registered ones, then system checks). */
  fitnessChecks?: readonly FitnessCheck[];
}

export interface WorkerRuntime {
  readonly workerId: string;
  /** Runs the production loop until shutdown; resolves with the process exit code (0, or 1 on a failed check). */
  run(): Promise<number>;
  /** Starts a graceful shutdown: no new jobs, running ones finish within the grace period. */
  shutdown(reason?: string): void;
  /** Pings accepted so far (0 without a heartbeat). */
  readonly pings: number;
  /** Pings left out while the worker waited idle in a job-take on Gantry. */
  readonly pingsSkipped: number;
}

/** Poll bound for job-take and job-stop; Python uses 90 s, platforms hold 20–60 s. */
const LONG_POLL_TIMEOUT_MS = 90_000;
const RATE_LIMIT_BACKOFF_MS = 5000;
const MAX_ERROR_BACKOFF_MS = 10_000;
/** A job-take answered "nothing" faster than this means the platform does not long-poll. */
const FAST_EMPTY_MS = 250;
/** After a shutdown's grace period: how long aborted handlers and pending posts get before exit. */
const AFTER_GRACE_MS = 5000;
/** The heartbeat thread starts when the first take is answered, or after this long if it is held. */
const HEARTBEAT_START_MS = 500;

interface HeldJob {
  job: Job;
  controller: AbortController;
  chain: JobPostChain;
  log: JobLogger;
  running: boolean;
  /** The handler is done and its result is being posted: still held (named in pings), no longer a slot. */
  posting: boolean;
  /** Still held by this worker (released once: result posted, or stopped). */
  holdsSlot: boolean;
  stopped: boolean;
  abortedByShutdown: boolean;
}

function errorText(thrown: unknown): string {
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}

function errorBackoff(consecutiveErrors: number): number {
  return Math.min(1000 * 2 ** Math.max(0, consecutiveErrors - 1), MAX_ERROR_BACKOFF_MS);
}

class ProductionRuntime implements WorkerRuntime {
  readonly #config: NormalizedConfig;
  readonly #log: Logger;
  readonly #env: WorkerEnv;
  readonly #urls: ProtocolUrls;
  readonly #http: ProtocolHttp;
  readonly #retryDelaysMs: readonly number[];
  readonly #fitnessChecks: readonly FitnessCheck[] | undefined;
  readonly #handleSignals: boolean;
  readonly #processEnv: NodeJS.ProcessEnv;

  readonly #held = new Map<string, HeldJob>();
  readonly #queue: HeldJob[] = [];
  readonly #tasks = new Set<Promise<void>>();
  /** Aborts the take and stop long-polls on shutdown. */
  readonly #polling = new AbortController();
  /** Gives up result retries once the shutdown's grace period is over. */
  readonly #giveUp = new AbortController();
  #concurrency = 1;
  /** A job-take answered with `X-Gantry-Version`: result posts may ask for the next jobs (`&take=`). */
  #gantry = false;
  /** Slots promised to result posts that asked for jobs: the take loop leaves them alone until those answer. */
  #reservedSlots = 0;
  /** Slots the take loop's job-take in flight asks for. */
  #takingSlots = 0;
  #stopping = false;
  #started = false;
  #heartbeat: Heartbeat | undefined;
  /** Starts the heartbeat thread (once); set while the run has not started it yet. */
  #heartbeatDue: (() => void) | undefined;
  #wake: (() => void) | undefined;
  /** Wakes the job-stop loop parked while the worker held no job (on Gantry). */
  #holdingWake: (() => void) | undefined;
  #lastConcurrencyWarning = "";
  #skipGrace: (() => void) | undefined;
  #resultBatcher: ResultBatcher | undefined;

  constructor(options: WorkerRuntimeOptions) {
    this.#config = options.config;
    this.#log = options.logger ?? defaultLogger;
    this.#processEnv = options.env ?? process.env;
    this.#env = readWorkerEnv(this.#processEnv, (m) => this.#log.warn(m));
    this.#urls = buildProtocolUrls({
      jobTake: this.#env.jobTakeTemplate ?? "",
      jobDone: this.#env.jobDoneTemplate,
      jobStream: this.#env.jobStreamTemplate,
      ping: this.#env.pingTemplate,
      workerId: this.#env.workerId,
    });
    this.#http = new ProtocolHttp(this.#env.apiKey);
    this.#retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.#fitnessChecks = options.fitnessChecks;
    this.#handleSignals = options.handleSignals ?? false;
  }

  get workerId(): string {
    return this.#env.workerId;
  }

  get pings(): number {
    return this.#heartbeat?.pings ?? 0;
  }

  /** Pings left out while waiting idle in a job-take on Gantry. */
  get pingsSkipped(): number {
    return this.#heartbeat?.skipped ?? 0;
  }

  async run(): Promise<number> {
    if (this.#started) throw new Error("WorkerRuntime.run() may only be called once");
    this.#started = true;
    const unregisterSink = setActiveProgressSink((jobId, progress, message) =>
      this.#sendProgress(jobId, progress, message),
    );
    const removeSignals = this.#handleSignals ? this.#installSignalHandlers() : () => {};
    let heartbeatTimer: NodeJS.Timeout | undefined;
    try {
      const checks = this.#fitnessChecks ?? [...registeredFitnessChecks(), ...systemFitnessChecks(this.#env)];
      const fitness = await runFitnessChecks(checks);
      if (!fitness.ok) {
        this.#log.error(`Fitness check "${fitness.check}" failed: ${fitness.reason}`);
        if (this.#env.pingTemplate !== "PING_NOT_SET") {
          await reportUnhealthy(this.#http, this.#urls.ping, fitness.check, fitness.reason);
        }
        return 1;
      }
      // The heartbeat thread starts once the first take is answered (or has been held for a while): on a cold
      // start the queued job is answered at once, and on two busy cores the thread's start-up (an isolate and its
      // HTTP client) would otherwise compete with the first take's round trip and delay the handler by 100 ms or
      // more. Started then, it boots beside the first job instead.
      heartbeatTimer = setTimeout(() => this.#heartbeatDue?.(), HEARTBEAT_START_MS);
      this.#heartbeatDue = () => {
        this.#heartbeatDue = undefined;
        clearTimeout(heartbeatTimer);
        this.#startHeartbeat();
      };
      const takeLoop = this.#takeLoop();
      const stopLoop = this.#stopLoop();
      await takeLoop;
      await this.#drain();
      await stopLoop;
      return 0;
    } finally {
      removeSignals();
      unregisterSink();
      this.#heartbeatDue = undefined;
      clearTimeout(heartbeatTimer);
      await this.#heartbeat?.stop();
      await this.#http.close().catch(() => {});
    }
  }

  shutdown(reason = "shutdown requested"): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info(`Shutting down (${reason}): taking no new jobs; ${this.#held.size} job(s) held.`);
    this.#polling.abort();
    this.#wake?.();
  }

  #installSignalHandlers(): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.#stopping) {
        this.#log.warn(`${signal} again: aborting running jobs now.`);
        this.#skipGrace?.();
        return;
      }
      this.shutdown(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    return () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    };
  }

  #startHeartbeat(): void {
    const missing: string[] = [];
    if (!this.#env.apiKeySet) missing.push("RUNPOD_AI_API_KEY");
    if (this.#env.podId === undefined) missing.push("RUNPOD_POD_ID");
    if (this.#env.pingTemplate === "PING_NOT_SET") missing.push("RUNPOD_WEBHOOK_PING");
    if (missing.length > 0) {
      this.#log.warn(`Heartbeat not started: ${missing.join(", ")} not set.`);
      return;
    }
    this.#heartbeat = new Heartbeat({
      url: this.#urls.ping,
      apiKey: this.#env.apiKey,
      intervalMs: this.#env.pingIntervalMs,
      logger: this.#log,
      jobIds: [...this.#held.keys()],
    });
  }

  #heldChanged(): void {
    this.#heartbeat?.update([...this.#held.keys()]);
    this.#wake?.();
    if (this.#held.size > 0) this.#holdingWake?.();
  }

  /** Resolves once the worker holds a job, or on shutdown. */
  #untilHolding(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal.removeEventListener("abort", done);
        if (this.#holdingWake === done) this.#holdingWake = undefined;
        resolve();
      };
      if (signal.aborted || this.#held.size > 0) return resolve();
      this.#holdingWake = done;
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Resolves on the next job finish/stop/shutdown, or after `ms`. */
  #waitForChange(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  #warnConcurrency = (message: string): void => {
    if (message === this.#lastConcurrencyWarning) return;
    this.#lastConcurrencyWarning = message;
    this.#log.warn(message);
  };

  async #takeLoop(): Promise<void> {
    let errors = 0;
    let fastEmpties = 0;
    const pollSignal = this.#polling.signal;
    while (!this.#stopping) {
      const next = nextConcurrency(
        this.#concurrency,
        this.#config.concurrencyModifier,
        this.#warnConcurrency,
      );
      if (next !== this.#concurrency) {
        this.#log.info(`Concurrency set to ${next}.`);
        this.#concurrency = next;
        this.#http.sizeFor(next);
      }
      this.#startQueued();
      // Jobs whose results are still being posted free their slot (the next take does not wait for the post),
      // but at most `concurrency` of them may be in flight, so a slow platform slows the worker down.
      const occupied = this.#occupiedCount();
      const needed = this.#freeSlots();
      if (needed <= 0 || this.#resultBatcher?.waiting) {
        await this.#waitForChange(1000);
        continue;
      }
      const startedAt = Date.now();
      let outcome: TakeOutcome;
      this.#takingSlots = needed;
      // Idle on Gantry: this long-poll itself tells the server the worker is alive (see Heartbeat.setIdlePolling).
      this.#heartbeat?.setIdlePolling(this.#gantry && occupied === 0 && this.#held.size === 0);
      try {
        const reply = await this.#http.send(this.#urls.takeUrl(needed, occupied > 0), {
          timeoutMs: LONG_POLL_TIMEOUT_MS,
          signal: pollSignal,
        });
        if (reply.gantryVersion !== undefined) this.#gantry = true;
        outcome = parseTakeReply(reply);
      } catch (thrown) {
        if (pollSignal.aborted) break;
        if (thrown instanceof Error && thrown.name === "TimeoutError") {
          // Python silently re-polls after its 90 s bound; a platform holding that long is merely slow.
          continue;
        }
        outcome = { kind: "error", reason: errorText(thrown) };
      } finally {
        this.#takingSlots = 0;
        this.#heartbeat?.setIdlePolling(false);
      }
      // Before any handler runs: a synchronous one blocks this thread, and pings must go on meanwhile (§3.8).
      this.#heartbeatDue?.();
      switch (outcome.kind) {
        case "jobs": {
          for (const reason of outcome.rejected) this.#log.error(`Failed to get job. ${reason}`);
          if (outcome.jobs.length === 0) {
            errors++;
            await delay(errorBackoff(errors), pollSignal);
            break;
          }
          errors = 0;
          fastEmpties = 0;
          this.#accept(outcome.jobs);
          break;
        }
        case "empty": {
          errors = 0;
          if (Date.now() - startedAt < FAST_EMPTY_MS) {
            fastEmpties++;
            await delay(Math.min(100 * 2 ** (fastEmpties - 1), 1000), pollSignal);
          } else {
            fastEmpties = 0;
          }
          break;
        }
        case "rate-limited":
          this.#log.warn("job-take answered 429; backing off 5 s.");
          await delay(RATE_LIMIT_BACKOFF_MS, pollSignal);
          break;
        case "error": {
          errors++;
          const wait = errorBackoff(errors);
          this.#log.error(`Failed to get job. ${outcome.reason} (retrying in ${wait} ms)`);
          await delay(wait, pollSignal);
          break;
        }
      }
    }
  }

  #accept(jobs: readonly Job[]): void {
    for (const job of jobs) {
      if (this.#held.has(job.id)) {
        this.#log.warn(`Job ${job.id} is already held by this worker; duplicate ignored.`);
        continue;
      }
      const entry: HeldJob = {
        job,
        controller: new AbortController(),
        chain: new JobPostChain(),
        log: this.#log.forJob(job),
        running: false,
        posting: false,
        holdsSlot: true,
        stopped: false,
        abortedByShutdown: false,
      };
      this.#held.set(job.id, entry);
      this.#queue.push(entry);
    }
    this.#log.info(`Jobs in queue: ${this.#queue.length}`);
    this.#heldChanged();
    this.#startQueued();
  }

  #startQueued(): void {
    while (this.#queue.length > 0 && this.#runningCount() < this.#concurrency) {
      const entry = this.#queue.shift();
      if (!entry || entry.stopped) continue;
      entry.running = true;
      const task = this.#runJob(entry);
      this.#tasks.add(task);
      void task.finally(() => this.#tasks.delete(task));
    }
  }

  #runningCount(): number {
    let count = 0;
    for (const entry of this.#held.values()) if (entry.running) count++;
    return count;
  }

  /** Slots the take loop may fill now; those promised to result posts that asked for jobs are not free. */
  #freeSlots(): number {
    const free = Math.min(this.#concurrency - this.#occupiedCount(), 2 * this.#concurrency - this.#held.size);
    return free - this.#reservedSlots;
  }

  /** Held jobs that count against the concurrency: queued or running, not those only posting a result. */
  #occupiedCount(): number {
    let count = 0;
    for (const entry of this.#held.values()) if (!entry.posting) count++;
    return count;
  }

  async #runJob(entry: HeldJob): Promise<void> {
    const { job, log } = entry;
    const context: HandlerContext = {
      signal: entry.controller.signal,
      progress: (progress, message) => this.#sendProgress(job.id, progress, message),
      log,
      workerId: this.#env.workerId,
    };
    log.info("Started.");
    let outcome: ExecutionOutcome;
    try {
      outcome = await executeJobDetailed(
        job,
        this.#config,
        context,
        (chunk) => this.#postChunk(entry, chunk),
        {
          env: this.#processEnv,
        },
      );
    } catch (thrown) {
      outcome = { body: { error: errorStringFromThrown(thrown, this.#processEnv) }, streamed: false };
    }
    if (entry.stopped) {
      await entry.chain.close();
      log.info("Job stopped.");
    } else if (entry.abortedByShutdown) {
      await entry.chain.close();
      log.warn("Job aborted by shutdown; no result posted (the platform re-queues or fails it).");
    } else {
      const body: ResultBody = this.#config.refreshWorker ? { ...outcome.body, stopPod: true } : outcome.body;
      // Progress posts already queued go first; later ones are refused (never after the result).
      await entry.chain.close();
      // On Gantry results ready together share one job-done-batch; a stopPod result goes alone, as it always did.
      const batcher = this.#gantry && body.stopPod !== true ? this.#batcher() : undefined;
      // The slot frees before the post, so the next take runs beside it; except for a result that asks to
      // recycle the worker (stopPod), after which it must take nothing.
      let take = 0;
      if (body.stopPod !== true && !entry.stopped) {
        entry.running = false;
        entry.posting = true;
        this.#startQueued();
        // A batched result claims its slots when the batcher sends it, meanwhile the take loop waits for that.
        if (!batcher) take = this.#claimTake();
        this.#wake?.();
      }
      const ready = { jobId: job.id, streamed: outcome.streamed, body, take, log };
      // Held alone, no other result can join this one by the end of the turn: it need not wait for the turn.
      if (batcher) await batcher.submit(ready, this.#held.size === 1);
      else await this.#postResult(ready, () => {});
      log.info("Finished.");
    }
    entry.running = false;
    this.#release(entry);
    if (this.#config.refreshWorker && !entry.stopped) this.shutdown("refreshWorker: one job per worker");
    else this.#startQueued();
  }

  /**
   * On Gantry a result post also takes the jobs for the slots free now: one request instead of a post and a
   * job-take. Not while the take loop's job-take is out: that one is most likely parked on an empty queue (asking
   * here too would mostly be answered nothing), and the loop fills the slots when it returns. The slots stay
   * reserved (the loop leaves them alone) until the post is answered.
   */
  #claimTake(): number {
    if (!this.#gantry || this.#stopping || this.#takingSlots !== 0) return 0;
    const take = Math.max(0, this.#freeSlots());
    this.#reservedSlots += take;
    return take;
  }

  /** One result through job-done, asking for `take` jobs on its first attempt. */
  #postResult(result: ReadyResult, onFirstReply: () => void): Promise<void> {
    const { jobId, streamed, body, take, log } = result;
    const url = this.#urls.doneUrl(jobId, streamed);
    if (take === 0) return this.#post(jobId, url, body, log, "result", undefined, onFirstReply);
    return this.#post(jobId, url, body, log, "result", this.#urls.doneUrl(jobId, streamed, take), (reply) => {
      this.#tookOnDone(take, reply);
      onFirstReply();
    });
  }

  /** Created on the first Gantry result; undefined when the job-done template gives no batch URL. */
  #batcher(): ResultBatcher | undefined {
    const batchUrl = this.#urls.doneBatchUrl();
    if (batchUrl === undefined) return undefined;
    this.#resultBatcher ??= new ResultBatcher({
      http: this.#http,
      retryDelaysMs: this.#retryDelaysMs,
      signal: this.#giveUp.signal,
      batchUrl: (take) => this.#urls.doneBatchUrl(take) ?? batchUrl,
      postOne: (result, onFirstReply) => this.#postResult(result, onFirstReply),
      claimTake: () => {
        const take = this.#claimTake();
        // The take loop waited for these results; what is left of the free slots is its to fill.
        this.#wake?.();
        return take;
      },
      tookJobs: (take, reply) => this.#tookOnDone(take, reply),
    });
    return this.#resultBatcher;
  }

  #release(entry: HeldJob): void {
    if (!entry.holdsSlot) return;
    entry.holdsSlot = false;
    if (this.#held.get(entry.job.id) === entry) this.#held.delete(entry.job.id);
    this.#heldChanged();
  }

  /**
   * The first answer of a result post that asked for `take` jobs: its jobs are accepted as a job-take's, and the
   * slots go back to the take loop either way (an empty, refused or failed answer sends it back to job-take).
   */
  #tookOnDone(take: number, reply: HttpReply | undefined): void {
    this.#reservedSlots -= take;
    const outcome = reply === undefined ? undefined : parseDoneTakeReply(reply);
    if (outcome?.kind === "jobs") {
      for (const reason of outcome.rejected) this.#log.error(`Failed to get job. ${reason}`);
      if (outcome.jobs.length > 0) this.#accept(outcome.jobs);
    }
    this.#wake?.();
  }

  async #post(
    jobId: string,
    url: string,
    body: unknown,
    log: JobLogger,
    what: string,
    firstUrl?: string,
    onFirstReply?: (reply: HttpReply | undefined) => void,
  ): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify(body);
    } catch (thrown) {
      log.error(`Cannot send ${what}: not JSON-serialisable (${errorText(thrown)}).`);
      onFirstReply?.(undefined);
      return;
    }
    const outcome = await postJson(url, text, {
      http: this.#http,
      retryDelaysMs: this.#retryDelaysMs,
      signal: this.#giveUp.signal,
      headers: { "x-request-id": jobId },
      ...(firstUrl !== undefined ? { firstUrl } : {}),
      ...(onFirstReply !== undefined ? { onFirstReply } : {}),
      onRetry: (attempt, reason, wait) =>
        log.warn(`Posting ${what} failed (${reason}); retry ${attempt} in ${wait} ms.`),
    });
    if (outcome.status === "rejected") log.error(`Platform refused the ${what} (${outcome.detail}).`);
    else if (outcome.status === "failed") log.error(`Failed to return job ${what} (${outcome.detail}).`);
  }

  async #postChunk(entry: HeldJob, chunk: unknown): Promise<void> {
    if (entry.stopped || entry.abortedByShutdown) return;
    await this.#post(
      entry.job.id,
      this.#urls.streamUrl(entry.job.id),
      { output: chunk },
      entry.log,
      "stream chunk",
    );
  }

  async #sendProgress(jobId: string, progress: unknown, message?: string): Promise<void> {
    const entry = this.#held.get(jobId);
    if (!entry || entry.stopped || entry.abortedByShutdown) {
      this.#log.debug("Progress update for a job this worker no longer runs; dropped.", jobId);
      return;
    }
    const body = progressBody(progress, message);
    const queued = entry.chain.enqueue(() =>
      this.#post(jobId, this.#urls.doneUrl(jobId, false), body, entry.log, "progress update"),
    );
    if (!queued) {
      entry.log.debug("Progress update after the job's result; dropped.");
      return;
    }
    await queued;
  }

  async #stopLoop(): Promise<void> {
    const url = this.#urls.stop;
    if (url === undefined) {
      this.#log.warn("RUNPOD_WEBHOOK_GET_JOB has no /job-take/ segment; per-job stop is disabled.");
      return;
    }
    const signal = this.#polling.signal;
    let errors = 0;
    while (!this.#stopping) {
      if (this.#gantry && this.#held.size === 0) {
        // Idle on Gantry: there is nothing to stop, and the server keeps a stop for a job taken later until the
        // next poll, which starts as soon as a job is held. Half an idle worker's requests saved.
        await this.#untilHolding(signal);
        if (signal.aborted) break;
        continue;
      }
      let reply: Awaited<ReturnType<ProtocolHttp["send"]>>;
      try {
        reply = await this.#http.send(url, { timeoutMs: LONG_POLL_TIMEOUT_MS, signal });
      } catch (thrown) {
        if (signal.aborted) break;
        if (thrown instanceof Error && thrown.name === "TimeoutError") continue;
        errors++;
        this.#log.error(`Failed to get stop signals. ${errorText(thrown)}`);
        await delay(errorBackoff(errors), signal);
        continue;
      }
      if (reply.status === 429) {
        await delay(RATE_LIMIT_BACKOFF_MS, signal);
        continue;
      }
      if (reply.status >= 400) {
        errors++;
        this.#log.error(`Failed to get stop signals. job-stop answered HTTP ${reply.status}`);
        await delay(errorBackoff(errors), signal);
        continue;
      }
      errors = 0;
      const { ids, dropped } = parseStopReply(reply);
      if (dropped > 0) this.#log.warn(`job-stop named ${dropped} non-string id(s); ignored.`);
      if (ids.length > 0) this.#stopJobs(ids);
      // Python waits at least 1 s after an empty reply; it also keeps a non-long-polling platform cheap.
      else await delay(1000, signal);
    }
  }

  #stopJobs(ids: readonly string[]): void {
    for (const id of ids) {
      const entry = this.#held.get(id);
      if (!entry) continue;
      entry.log.info("Stopping job.");
      entry.stopped = true;
      entry.controller.abort(new DOMException("Job stopped by the platform", "AbortError"));
      const queued = this.#queue.indexOf(entry);
      if (queued >= 0) {
        this.#queue.splice(queued, 1);
        entry.log.info("Job stopped.");
      }
      // The slot frees now, as a cancelled task frees it in Python; a handler that ignores its signal
      // keeps running in the background but its result is never posted.
      entry.running = false;
      this.#release(entry);
    }
    this.#startQueued();
  }

  async #drain(): Promise<void> {
    const idle = async (): Promise<void> => {
      while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
    };
    if (this.#tasks.size === 0 && this.#queue.length === 0) return;
    this.#log.info(`Draining ${this.#held.size} job(s), grace period ${this.#env.shutdownGraceMs} ms.`);
    const skip = new AbortController();
    this.#skipGrace = () => skip.abort();
    const finished = await Promise.race([
      idle().then(() => true),
      delay(this.#env.shutdownGraceMs, skip.signal).then(() => false),
    ]);
    if (finished) return;
    this.#log.warn(`Grace period over: aborting ${this.#held.size} job(s).`);
    for (const entry of this.#queue.splice(0)) this.#release(entry);
    for (const entry of this.#held.values()) {
      if (entry.stopped) continue;
      entry.abortedByShutdown = true;
      entry.controller.abort(new DOMException("Worker shutting down", "AbortError"));
    }
    await Promise.race([idle(), delay(AFTER_GRACE_MS)]);
    this.#giveUp.abort();
    await Promise.race([idle(), delay(1000)]);
  }
}

/**
 * The production worker loop (worker-protocol.md §3) as an object, so it can run in-process (tests) as well
 * as behind `start()`.
 */
export function createWorkerRuntime(options: WorkerRuntimeOptions): WorkerRuntime {
  return new ProductionRuntime(options);
}
