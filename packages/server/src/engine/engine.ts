/**
 * The job engine: everything behind the `Platform` seam. It owns the semantics (queue, long-polls, leases, stops,
 * sweeps, webhooks); the store owns durability; the API validates and adapts HTTP, so the engine trusts the
 * types of what it is given. The operations live in small modules over one `EngineCore` (core.ts); this class
 * wires them and is the one `Platform`.
 */
import type { JobRecord, JobSummary, JobView } from "../domain/job.js";
import { DEFAULT_TAKE_HOLD_MS } from "../domain/long-poll.js";
import type { EngineCore } from "./core.js";
import type { EngineCluster, EngineInit, EngineStore } from "./engine-config.js";
import { NODE_ID_PATTERN } from "./ids.js";
import { cancel, purgeQueue, retry } from "./job-control.js";
import { JobEvents } from "./job-events.js";
import { subscribe } from "./job-feed.js";
import { drainStream, health, listRecent, listWorkers, status, waitForTerminal } from "./job-reads.js";
import { AlwaysLeader, type Leadership } from "./leader.js";
import { silentLogger } from "./logger.js";
import { createSweeper, startCluster } from "./maintenance.js";
import type {
  HealthView,
  JobEvent,
  ListRecentRequest,
  Outcome,
  PingReport,
  Platform,
  SubmitRequest,
  WorkerDoneBody,
  WorkerJob,
} from "./platform.js";
import { MemoryStopSignals, StoreStopSignals } from "./stop-signals.js";
import { submit } from "./submission.js";
import type { Sweeper } from "./sweeper.js";
import { Waiters } from "./waiters.js";
import { WebhookDispatcher } from "./webhooks.js";
import * as worker from "./worker-protocol.js";
import { WorkerRegistrySync } from "./worker-sync.js";
import { type WorkerInfo, WorkerRegistry } from "./workers.js";

export type { EngineCluster, EngineHooks, EngineInit, EngineOptions, EngineStore } from "./engine-config.js";

export class Engine implements Platform {
  readonly store: EngineStore;
  readonly workers: WorkerRegistry;
  readonly sweeper: Sweeper;
  readonly webhooks: WebhookDispatcher;
  /** Exposed for tests and diagnostics (e.g. how many takers are parked). */
  readonly waiters = new Waiters();
  /** Who runs sweeps and webhook delivery; a single node always does. */
  readonly leadership: Leadership;
  readonly leaseMs: number;
  private readonly core: EngineCore;
  private readonly cluster: EngineCluster | undefined;
  private readonly clusterCleanup: (() => void)[] = [];
  private stopped = false;

  constructor(init: EngineInit) {
    const o = init.options ?? {};
    const clock = init.clock ?? Date.now;
    const log = init.log ?? silentLogger;
    const nodeId = o.nodeId ?? "g1";
    if (!NODE_ID_PATTERN.test(nodeId)) throw new Error(`nodeId must be letters and digits, got "${nodeId}"`);
    this.store = init.store;
    this.cluster = init.cluster;
    this.leadership = init.cluster?.leadership ?? new AlwaysLeader();
    this.leaseMs = o.leaseMs ?? Math.max(3 * (o.pingIntervalMs ?? 10_000), 30_000);
    this.workers = new WorkerRegistry({
      staleMs: this.leaseMs,
      unhealthyMs: o.unhealthyMs ?? 600_000,
      ...(o.recycleHoldMs !== undefined ? { recycleHoldMs: o.recycleHoldMs } : {}),
    });
    // One node keeps stop signals in memory; nodes sharing a store keep them in it (any node may hold the poll).
    const stops = init.cluster ? new StoreStopSignals(init.cluster.store) : new MemoryStopSignals();
    const workerSync = init.cluster
      ? new WorkerRegistrySync(this.workers, init.cluster.store, { clock, log })
      : undefined;
    if (init.cluster) this.waiters.maxSleepMs = init.cluster.recheckMs ?? 1000;
    this.webhooks = new WebhookDispatcher(
      init.store.webhooks,
      {
        attempts: o.webhook?.attempts ?? 3,
        delayMs: o.webhook?.delayMs ?? 10_000,
        timeoutMs: o.webhook?.timeoutMs ?? 10_000,
        ...(o.webhook?.secret ? { secret: o.webhook.secret } : {}),
      },
      clock,
      log,
    );
    const events = new JobEvents({
      waiters: this.waiters,
      stops,
      hooks: init.hooks ?? {},
      leadership: this.leadership,
      webhooks: this.webhooks,
      clock,
      log,
    });
    this.core = {
      jobs: init.store.jobs,
      endpoints: init.endpoints,
      waiters: this.waiters,
      workers: this.workers,
      stops,
      events,
      clock,
      log,
      nodeId,
      leaseMs: this.leaseMs,
      takeHoldMs: o.takeHoldMs ?? DEFAULT_TAKE_HOLD_MS,
      stopHoldMs: o.stopHoldMs ?? DEFAULT_TAKE_HOLD_MS,
      recheckMs: init.cluster ? (init.cluster.recheckMs ?? 1000) : undefined,
      workerSync,
      stopped: () => this.stopped,
    };
    this.sweeper = createSweeper(this.core, {
      leadership: this.leadership,
      webhooks: this.webhooks,
      cluster: init.cluster,
      sweepIntervalMs: o.sweepIntervalMs ?? 500,
    });
  }

  /** Starts the sweeper and resumes webhook deliveries left pending by a previous run. */
  start(): void {
    if (this.cluster) {
      const d = { leadership: this.leadership, webhooks: this.webhooks };
      this.clusterCleanup.push(...startCluster(this.core, this.cluster, d));
    }
    this.sweeper.start();
    if (this.leadership.isLeader()) void this.webhooks.kick();
  }

  /** Stops timers and releases every pending long-poll promptly. Does not close the store. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waiters.close();
    for (const undo of this.clusterCleanup.splice(0)) undo();
    await this.sweeper.stop();
    await this.webhooks.stop();
    await this.leadership.stop();
  }

  hasEndpoint(endpointId: string): boolean {
    return this.core.endpoints.get(endpointId) !== undefined;
  }

  listWorkers(endpointId: string): Promise<WorkerInfo[]> {
    return listWorkers(this.core, endpointId);
  }

  // ---------------------------------------------------------------- public API

  submit(req: SubmitRequest): Promise<Outcome<JobView>> {
    return submit(this.core, req);
  }

  status(endpointId: string, jobId: string): Promise<JobView | undefined> {
    return status(this.core, endpointId, jobId);
  }

  waitForTerminal(
    endpointId: string,
    jobId: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<JobView | undefined> {
    return waitForTerminal(this.core, endpointId, jobId, waitMs, signal);
  }

  drainStream(
    endpointId: string,
    jobId: string,
    waitMs: number,
    signal?: AbortSignal,
  ): ReturnType<Platform["drainStream"]> {
    return drainStream(this.core, endpointId, jobId, waitMs, signal);
  }

  subscribe(
    endpointId: string,
    jobId: string,
    afterEventId: number,
    onEvent: (e: JobEvent) => void,
  ): Promise<(() => void) | undefined> {
    return subscribe(this.core, endpointId, jobId, afterEventId, onEvent);
  }

  cancel(endpointId: string, jobId: string): Promise<JobView | undefined> {
    return cancel(this.core, endpointId, jobId);
  }

  retry(endpointId: string, jobId: string): Promise<Outcome<JobView>> {
    return retry(this.core, endpointId, jobId);
  }

  purgeQueue(endpointId: string): Promise<number> {
    return purgeQueue(this.core, endpointId);
  }

  listRecent(endpointId: string, request: ListRecentRequest = {}): Promise<JobSummary[]> {
    return listRecent(this.core, endpointId, request);
  }

  health(endpointId: string): Promise<HealthView> {
    return health(this.core, endpointId);
  }

  // ---------------------------------------------------------------- worker protocol

  take(
    endpointId: string,
    workerId: string,
    max: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<WorkerJob[]> {
    return worker.take(this.core, endpointId, workerId, max, waitMs, signal);
  }

  putBack(endpointId: string, workerId: string, jobIds: string[]): Promise<void> {
    return worker.putBack(this.core, endpointId, workerId, jobIds);
  }

  workerDone(
    endpointId: string,
    workerId: string,
    jobId: string,
    body: WorkerDoneBody,
    isStream: boolean,
  ): Promise<Outcome<void>> {
    return worker.workerDone(this.core, endpointId, workerId, jobId, body, isStream);
  }

  workerStream(endpointId: string, workerId: string, jobId: string, output: unknown): Promise<Outcome<void>> {
    return worker.workerStream(this.core, endpointId, workerId, jobId, output);
  }

  ping(endpointId: string, workerId: string, report: PingReport): Promise<void> {
    return worker.ping(this.core, endpointId, workerId, report);
  }

  waitStops(endpointId: string, workerId: string, waitMs: number, signal?: AbortSignal): Promise<string[]> {
    return worker.waitStops(this.core, endpointId, workerId, waitMs, signal);
  }

  async putBackStops(endpointId: string, workerId: string, jobIds: string[]): Promise<void> {
    worker.putBackStops(this.core, endpointId, workerId, jobIds);
  }

  /** The supervisor's: a worker process exited; its jobs are requeued (or failed) now. */
  releaseWorker(workerId: string, reason: string): Promise<JobRecord[]> {
    return worker.releaseWorker(this.core, workerId, reason);
  }
}
