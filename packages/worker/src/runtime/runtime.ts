import type { NormalizedConfig } from "../config.js";
import { readWorkerEnv, type WorkerEnv } from "../env.js";
import { log as defaultLogger, type Logger } from "../logger.js";
import { setActiveProgressSink } from "./active.js";
import {
  type FitnessCheck,
  registeredFitnessChecks,
  runFitnessChecks,
  systemFitnessChecks,
} from "./fitness.js";
import { Heartbeat } from "./heartbeat.js";
import { delay, ProtocolHttp } from "./http.js";
import { JobRunner } from "./job-runner.js";
import { DEFAULT_RETRY_DELAYS_MS } from "./post-result.js";
import { ResultPoster } from "./result-poster.js";
import { runStopLoop } from "./stop-loop.js";
import { runTakeLoop } from "./take-loop.js";
import { reportUnhealthy } from "./unhealthy.js";
import { buildProtocolUrls, type ProtocolUrls } from "./urls.js";
import { WorkerState } from "./worker-state.js";

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

/** After a shutdown's grace period: how long aborted handlers and pending posts get before exit. */
const AFTER_GRACE_MS = 5000;
/** The heartbeat thread starts when the first take is answered, or after this long if it is held. */
const HEARTBEAT_START_MS = 500;

interface Deferred {
  /** Runs the action now, unless it ran or was cancelled. */
  now(): void;
  cancel(): void;
}

/** Runs `action` once: after `ms`, or sooner on `now()`; never after `cancel()`. */
function deferred(action: () => void, ms: number): Deferred {
  let pending = true;
  const cancel = (): void => {
    pending = false;
    clearTimeout(timer);
  };
  const now = (): void => {
    if (!pending) return;
    cancel();
    action();
  };
  const timer = setTimeout(now, ms);
  return { now, cancel };
}

class ProductionRuntime implements WorkerRuntime {
  readonly #config: NormalizedConfig;
  readonly #log: Logger;
  readonly #env: WorkerEnv;
  readonly #urls: ProtocolUrls;
  readonly #http: ProtocolHttp;
  readonly #fitnessChecks: readonly FitnessCheck[] | undefined;
  readonly #handleSignals: boolean;
  readonly #state = new WorkerState();
  readonly #jobs: JobRunner;
  readonly #poster: ResultPoster;
  /** Aborts the take and stop long-polls on shutdown. */
  readonly #polling = new AbortController();
  /** Gives up result retries once the shutdown's grace period is over. */
  readonly #giveUp = new AbortController();
  /** Ends the shutdown's grace period early (a second signal). */
  readonly #skipGrace = new AbortController();
  #started = false;
  #heartbeat: Heartbeat | undefined;

  constructor(options: WorkerRuntimeOptions) {
    this.#config = options.config;
    this.#log = options.logger ?? defaultLogger;
    const processEnv = options.env ?? process.env;
    this.#env = readWorkerEnv(processEnv, (m) => this.#log.warn(m));
    this.#urls = buildProtocolUrls({
      jobTake: this.#env.jobTakeTemplate ?? "",
      jobDone: this.#env.jobDoneTemplate,
      jobStream: this.#env.jobStreamTemplate,
      ping: this.#env.pingTemplate,
      workerId: this.#env.workerId,
    });
    this.#http = new ProtocolHttp(this.#env.apiKey);
    this.#fitnessChecks = options.fitnessChecks;
    this.#handleSignals = options.handleSignals ?? false;
    this.#poster = new ResultPoster({
      state: this.#state,
      http: this.#http,
      urls: this.#urls,
      log: this.#log,
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      giveUp: this.#giveUp.signal,
      accept: (jobs) => this.#jobs.accept(jobs),
    });
    this.#jobs = new JobRunner({
      state: this.#state,
      config: this.#config,
      log: this.#log,
      workerId: this.#env.workerId,
      processEnv,
      poster: this.#poster,
      heldChanged: () => this.#heartbeat?.update(this.#state.held.ids()),
      shutdown: (reason) => this.shutdown(reason),
    });
  }

  get workerId(): string {
    return this.#env.workerId;
  }

  get pings(): number {
    return this.#heartbeat?.pings ?? 0;
  }

  get pingsSkipped(): number {
    return this.#heartbeat?.skipped ?? 0;
  }

  async run(): Promise<number> {
    if (this.#started) throw new Error("WorkerRuntime.run() may only be called once");
    this.#started = true;
    const unregisterSink = setActiveProgressSink((jobId, progress, message) =>
      this.#jobs.sendProgress(jobId, progress, message),
    );
    const removeSignals = this.#handleSignals ? this.#installSignalHandlers() : () => {};
    let heartbeatDue: Deferred | undefined;
    try {
      const checks = this.#fitnessChecks ?? [...registeredFitnessChecks(), ...systemFitnessChecks(this.#env)];
      const fitness = await runFitnessChecks(checks);
      if (!fitness.ok) {
        this.#log.error(`Fitness check "${fitness.check}" failed: ${fitness.reason}`);
        if (this.#env.pingTemplate !== "PING_NOT_SET") {
          const { check, reason } = fitness;
          await reportUnhealthy({ http: this.#http, pingUrl: this.#urls.ping, check, reason });
        }
        return 1;
      }
      // The heartbeat thread starts once the first take is answered (or has been held for a while): on a cold
      // start the queued job is answered at once, and on two busy cores the thread's start-up (an isolate and its
      // HTTP client) would otherwise compete with the first take's round trip and delay the handler by 100 ms or
      // more. Started then, it boots beside the first job instead.
      const heartbeat = deferred(() => this.#startHeartbeat(), HEARTBEAT_START_MS);
      heartbeatDue = heartbeat;
      const takeLoop = runTakeLoop({
        state: this.#state,
        config: this.#config,
        http: this.#http,
        urls: this.#urls,
        log: this.#log,
        signal: this.#polling.signal,
        accept: (jobs) => this.#jobs.accept(jobs),
        fillSlots: () => this.#jobs.fillSlots(),
        resultsWaiting: () => this.#poster.waiting,
        answered: heartbeat.now,
        idlePolling: (on) => this.#heartbeat?.setIdlePolling(on),
      });
      const stopLoop = runStopLoop({
        state: this.#state,
        http: this.#http,
        url: this.#urls.stop,
        log: this.#log,
        signal: this.#polling.signal,
        stop: (ids) => this.#jobs.stop(ids),
      });
      await takeLoop;
      await this.#drain();
      await stopLoop;
      return 0;
    } finally {
      removeSignals();
      unregisterSink();
      heartbeatDue?.cancel();
      await this.#heartbeat?.stop();
      await this.#http.close().catch(() => {});
    }
  }

  shutdown(reason = "shutdown requested"): void {
    if (this.#state.stopping) return;
    this.#state.stopping = true;
    this.#log.info(`Shutting down (${reason}): taking no new jobs; ${this.#state.held.size} job(s) held.`);
    this.#polling.abort();
    this.#state.changes.notify();
  }

  #installSignalHandlers(): () => void {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.#state.stopping) {
        this.#log.warn(`${signal} again: aborting running jobs now.`);
        this.#skipGrace.abort();
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
      jobIds: this.#state.held.ids(),
    });
  }

  /** Lets held jobs finish within the grace period, then gives back what is left. */
  async #drain(): Promise<void> {
    const held = this.#state.held;
    if (!this.#jobs.busy && held.queued().length === 0) return;
    this.#log.info(`Draining ${held.size} job(s), grace period ${this.#env.shutdownGraceMs} ms.`);
    const finished = await Promise.race([
      this.#jobs.idle().then(() => true),
      delay(this.#env.shutdownGraceMs, this.#skipGrace.signal).then(() => false),
    ]);
    if (finished) return;
    this.#log.warn(`Grace period over: aborting ${held.size} job(s).`);
    this.#jobs.giveBack();
    await Promise.race([this.#jobs.idle(), delay(AFTER_GRACE_MS)]);
    this.#giveUp.abort();
    await Promise.race([this.#jobs.idle(), delay(1000)]);
  }
}

/**
 * The production worker loop as an object, so it can run in-process (tests) as well as behind `start()`: a
 * take loop and a stop loop around the jobs' phases (job-phase.ts), with a heartbeat thread beside them.
 */
export function createWorkerRuntime(options: WorkerRuntimeOptions): WorkerRuntime {
  return new ProductionRuntime(options);
}
