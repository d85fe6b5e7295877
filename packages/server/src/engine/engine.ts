/**
 * The job engine: everything behind the `Platform` seam. It owns the semantics (queue, long-polls,
 * leases, stops, sweeps, webhooks); the store owns durability; the API only adapts HTTP.
 * No method throws on malformed input: bad worker or client input becomes an `Outcome` error.
 */
import { type EndpointLookup, queueCap } from "../domain/endpoint.js";
import {
  isTerminal,
  JOB_STATUSES,
  type JobRecord,
  type JobStatus,
  type JobSummary,
  type JobView,
} from "../domain/job.js";
import { DEFAULT_TAKE_HOLD_MS } from "../domain/long-poll.js";
import { resolvePolicy } from "../domain/policy.js";
import { isClusterStore, type JobStore, type NewJob } from "../store/store.js";
import { type EventBus, eventOfKey, keyOfEvent } from "./bus.js";
import { NODE_ID_PATTERN, newJobId } from "./ids.js";
import { AlwaysLeader, type Leadership } from "./leader.js";
import { type EngineLogger, silentLogger } from "./logger.js";
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
import { MemoryStopSignals, type StopSignals, StoreStopSignals } from "./stop-signals.js";
import { Sweeper } from "./sweeper.js";
import { toSummary, toView } from "./view.js";
import { Waiters } from "./waiters.js";
import { WebhookDispatcher, type WebhookOptions } from "./webhooks.js";
import { WorkerRegistrySync } from "./worker-sync.js";
import { type WorkerInfo, WorkerRegistry } from "./workers.js";

export interface EngineOptions {
  /** Suffix of job ids (`<uuid>-<nodeId>`); letters and digits. Default "g1". */
  nodeId?: string;
  /** Longest hold of a job-take long-poll (below the worker's 90 s bound). Default `DEFAULT_TAKE_HOLD_MS`. */
  takeHoldMs?: number;
  /** Longest hold of a job-stop long-poll. Default `DEFAULT_TAKE_HOLD_MS`. */
  stopHoldMs?: number;
  /** The workers' `RUNPOD_PING_INTERVAL`. Default 10 000. */
  pingIntervalMs?: number;
  /** How long a job stays with its worker without a ping naming it. Default max(3 × ping, 30 s). */
  leaseMs?: number;
  /** Sweep period. Default 500. */
  sweepIntervalMs?: number;
  /** How long an unhealthy report stays visible. Default 10 min. */
  unhealthyMs?: number;
  /** How long a worker that posted `stopPod` is refused jobs (see `WorkerRegistry`). Default 60 s. */
  recycleHoldMs?: number;
  webhook?: Partial<WebhookOptions>;
}

export interface EngineHooks {
  onJobTerminal?(job: JobRecord): void;
  onJobTaken?(job: JobRecord): void;
}

/**
 * Several nodes sharing one store (issue #7). The store must implement `ClusterStore`. Wake-ups travel over the
 * bus; stop signals and the worker registry live in the store; sweeps and webhook delivery run on the leader.
 */
export interface EngineCluster {
  bus: EventBus;
  /** Who runs the once-only work; default: this node always (tests). */
  leadership?: Leadership;
  /** Longest a long-poll or live feed goes without re-reading the store. Default 1000. */
  recheckMs?: number;
  /** Period of the worker registry sync. Default 1000. */
  workerSyncMs?: number;
}

export interface EngineInit {
  store: JobStore;
  /** Additive: present when several Gantry nodes share the store. */
  cluster?: EngineCluster;
  endpoints: EndpointLookup;
  clock?: () => number;
  log?: EngineLogger;
  options?: EngineOptions;
  hooks?: EngineHooks;
}

const fail = <T>(code: 400 | 404 | 409 | 429, error: string): Outcome<T> => ({ ok: false, code, error });
const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
/** A wait argument from outside: finite, non-negative, capped. */
const clampWait = (ms: unknown, max: number): number =>
  typeof ms === "number" && Number.isFinite(ms) ? Math.min(Math.max(0, ms), max) : 0;

const MAX_WAIT_MS = 300_000;
/** Stop signals nobody collected (a worker without the job-stop channel) are dropped after this long. */
const STOP_SIGNAL_KEEP_MS = 600_000;
/** Past the supervisor's start timeout (10 min): a start nobody finished or abandoned. */
const ORPHANED_START_MS = 15 * 60_000;

const jobKey = (id: string): string => `job:${id}`;
const queueKey = (endpointId: string): string => `queue:${endpointId}`;
const stopKey = (workerId: string): string => `stop:${workerId}`;
const recycleKey = (workerId: string): string => `recycle:${workerId}`;

export class Engine implements Platform {
  readonly store: JobStore;
  readonly workers: WorkerRegistry;
  readonly sweeper: Sweeper;
  readonly webhooks: WebhookDispatcher;
  private readonly endpoints: EndpointLookup;
  private readonly clock: () => number;
  private readonly log: EngineLogger;
  private readonly hooks: EngineHooks;
  /** Exposed for tests and diagnostics (e.g. how many takers are parked). */
  readonly waiters = new Waiters();
  private readonly stops: StopSignals;
  /** Who runs sweeps and webhook delivery; a single node always does. */
  readonly leadership: Leadership;
  private readonly cluster: EngineCluster | undefined;
  private readonly workerSync: WorkerRegistrySync | undefined;
  private readonly clusterCleanup: (() => void)[] = [];
  private readonly nodeId: string;
  private readonly takeHoldMs: number;
  private readonly stopHoldMs: number;
  readonly leaseMs: number;
  private stopped = false;

  constructor(init: EngineInit) {
    const o = init.options ?? {};
    this.store = init.store;
    this.endpoints = init.endpoints;
    this.clock = init.clock ?? Date.now;
    this.log = init.log ?? silentLogger;
    this.hooks = init.hooks ?? {};
    this.cluster = init.cluster;
    this.leadership = init.cluster?.leadership ?? new AlwaysLeader();
    if (init.cluster && !isClusterStore(init.store))
      throw new Error("a store shared by several nodes must implement ClusterStore");
    this.stops =
      isClusterStore(init.store) && init.cluster ? new StoreStopSignals(init.store) : new MemoryStopSignals();
    this.nodeId = o.nodeId ?? "g1";
    if (!NODE_ID_PATTERN.test(this.nodeId))
      throw new Error(`nodeId must be letters and digits, got "${this.nodeId}"`);
    this.takeHoldMs = o.takeHoldMs ?? DEFAULT_TAKE_HOLD_MS;
    this.stopHoldMs = o.stopHoldMs ?? DEFAULT_TAKE_HOLD_MS;
    const ping = o.pingIntervalMs ?? 10_000;
    this.leaseMs = o.leaseMs ?? Math.max(3 * ping, 30_000);
    this.workers = new WorkerRegistry({
      staleMs: this.leaseMs,
      unhealthyMs: o.unhealthyMs ?? 600_000,
      ...(o.recycleHoldMs !== undefined ? { recycleHoldMs: o.recycleHoldMs } : {}),
    });
    if (init.cluster && isClusterStore(init.store)) {
      this.workerSync = new WorkerRegistrySync(this.workers, init.store, {
        clock: this.clock,
        log: this.log,
      });
      this.waiters.maxSleepMs = init.cluster.recheckMs ?? 1000;
    }
    this.webhooks = new WebhookDispatcher(
      this.store,
      {
        attempts: o.webhook?.attempts ?? 3,
        delayMs: o.webhook?.delayMs ?? 10_000,
        timeoutMs: o.webhook?.timeoutMs ?? 10_000,
        ...(o.webhook?.secret ? { secret: o.webhook.secret } : {}),
      },
      this.clock,
      this.log,
    );
    this.sweeper = new Sweeper(
      this.store,
      {
        maxRetries: (ep) => this.endpoints.get(ep)?.maxRetries ?? 3,
        requeued: (job) => {
          this.waiters.notify(jobKey(job.id));
          this.waiters.notifyOne(queueKey(job.endpointId));
        },
        terminal: (job) => this.afterTerminal(job),
        stop: (workerId, jobId) => this.sendStop(workerId, jobId),
        deleted: (job) => {
          this.waiters.notify(jobKey(job.id));
          this.waiters.forget(jobKey(job.id));
        },
        active: () => this.leadership.isLeader(),
        afterTick: async (now) => {
          if (this.leadership.isLeader()) {
            await this.webhooks.kick();
            if (this.cluster) await this.store.pruneStopSignals?.(now - STOP_SIGNAL_KEEP_MS);
          }
          await this.pruneWorkers(now);
        },
      },
      this.clock,
      o.sweepIntervalMs ?? 500,
      this.log,
    );
  }

  /** Starts the sweeper and resumes webhook deliveries left pending by a previous run. */
  start(): void {
    if (this.cluster) this.startCluster(this.cluster);
    this.sweeper.start();
    if (this.leadership.isLeader()) void this.webhooks.kick();
  }

  /** Wires the bus both ways, the leader lease and the worker registry sync. */
  private startCluster(cluster: EngineCluster): void {
    this.waiters.relay = (key, wake) => {
      const event = eventOfKey(key, wake);
      if (event) cluster.bus.publish(event);
    };
    this.clusterCleanup.push(
      cluster.bus.subscribe((e) => {
        if (e.topic === "workers") void this.workerSync?.sync();
        else this.waiters.deliver(keyOfEvent(e), e.wake);
      }),
      this.leadership.onChange((leader) => {
        if (leader) void this.webhooks.kick();
      }),
    );
    this.leadership.start();
    const sync = this.workerSync;
    if (sync) {
      const timer = setInterval(() => {
        void sync.sync().then((changed) => {
          if (changed) cluster.bus.publish({ topic: "workers", id: this.nodeId });
        });
      }, cluster.workerSyncMs ?? 1000);
      timer.unref();
      this.clusterCleanup.push(() => clearInterval(timer));
    }
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
    return typeof endpointId === "string" && this.endpoints.get(endpointId) !== undefined;
  }

  listWorkers(endpointId: string): Promise<WorkerInfo[]> {
    return this.store
      .workerLoads(endpointId)
      .then((loads) => this.workers.list(endpointId, loads, this.clock()));
  }

  // ---------------------------------------------------------------- public API

  async submit(req: SubmitRequest): Promise<Outcome<JobView>> {
    if (!isObject(req)) return fail(400, "request must be an object");
    const endpoint = this.endpoints.get(req.endpointId);
    if (!endpoint) return fail(404, `endpoint ${String(req.endpointId)} not found`);
    const policy = resolvePolicy(req.policy, endpoint);
    if (!policy.ok) return fail(400, policy.error);
    if (req.webhook !== undefined && req.webhook !== null) {
      if (
        typeof req.webhook !== "string" ||
        !/^https?:\/\/[^\s]+$/i.test(req.webhook) ||
        !URL.canParse(req.webhook)
      ) {
        return fail(400, "webhook must be an http(s) URL");
      }
    }
    if (req.extra !== undefined && !isObject(req.extra)) return fail(400, "extra must be an object");
    if (
      req.idempotencyKey !== undefined &&
      (typeof req.idempotencyKey !== "string" ||
        req.idempotencyKey.length === 0 ||
        req.idempotencyKey.length > 256)
    ) {
      return fail(400, "idempotency key must be a string of 1 to 256 characters");
    }
    if (
      req.retentionMs !== undefined &&
      (typeof req.retentionMs !== "number" || !Number.isFinite(req.retentionMs) || req.retentionMs < 0)
    ) {
      return fail(400, "retentionMs must be a non-negative number of milliseconds");
    }
    // A client repeating a request it already made gets that job back, even when the queue is full now.
    if (req.idempotencyKey !== undefined) {
      const existing = await this.store.findByIdempotencyKey(endpoint.id, req.idempotencyKey);
      if (existing) return ok(this.view(existing));
    }
    const cap = queueCap(endpoint);
    const queued = await this.store.queuedCount(endpoint.id, cap);
    if (queued >= cap) return fail(429, `queue of endpoint ${endpoint.id} is full (${queued} jobs waiting)`);

    const sync = req.sync === true;
    const now = this.clock();
    const job: NewJob = {
      id: newJobId(this.nodeId, sync),
      endpointId: endpoint.id,
      sync,
      input: req.input ?? null,
      policy: policy.policy,
      createdAt: now,
      retentionMs: sync
        ? syncRetention(endpoint.retention.syncMs, req.retentionMs)
        : endpoint.retention.asyncMs,
    };
    if (typeof req.webhook === "string") job.webhook = req.webhook;
    if (req.s3Config !== undefined) job.s3Config = req.s3Config;
    if (req.extra !== undefined && Object.keys(req.extra).length > 0) job.extra = req.extra;
    if (req.idempotencyKey !== undefined) job.idempotencyKey = req.idempotencyKey;

    const key = queueKey(endpoint.id);
    const inserted = this.store.insert(job);
    // The new row is visible already on an inline store: a taker woken now takes it in the same commit instead
    // of the next one (one commit and one event-loop turn less per job). Other nodes only hear of it after the
    // commit; on other stores the wake-up waits for the commit, or a taker could look too early and miss it.
    const early = this.store.inlineWrites === true;
    if (early) this.waiters.deliver(key, 1);
    const { job: stored, created } = await inserted;
    if (created) {
      if (early) this.waiters.relay?.(key, 1);
      else this.waiters.notifyOne(key);
    }
    return ok(this.view(stored));
  }

  async status(endpointId: string, jobId: string): Promise<JobView | undefined> {
    const job = await this.find(endpointId, jobId);
    return job && (await this.viewWithHint(job));
  }

  async waitForTerminal(
    endpointId: string,
    jobId: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<JobView | undefined> {
    const deadline = Date.now() + clampWait(waitMs, MAX_WAIT_MS);
    // The terminal record the wake-up carried (committed before the notify): no store read to learn it again.
    let handed: JobRecord | undefined;
    for (;;) {
      const seen = this.waiters.stamp(jobKey(jobId));
      const job = handed ?? (await this.find(endpointId, jobId));
      if (!job) return undefined;
      const left = deadline - Date.now();
      if (isTerminal(job.status) || left <= 0 || signal?.aborted || this.stopped)
        return this.viewWithHint(job);
      const { detail } = await this.waiters.waitWake(jobKey(jobId), seen, left, signal);
      handed = isTerminalRecordOf(detail, endpointId, jobId) ? detail : undefined;
    }
  }

  async drainStream(
    endpointId: string,
    jobId: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<{ status: JobStatus; stream: { output: unknown }[] } | undefined> {
    if (!(await this.find(endpointId, jobId))) return undefined;
    const deadline = Date.now() + clampWait(waitMs, MAX_WAIT_MS);
    for (;;) {
      const seen = this.waiters.stamp(jobKey(jobId));
      const r = await this.store.drain(jobId);
      if (!r) return undefined;
      const stream = r.chunks.map((c) => ({ output: c.output }));
      const left = deadline - Date.now();
      if (stream.length > 0 || isTerminal(r.job.status) || left <= 0 || signal?.aborted || this.stopped) {
        return { status: r.job.status, stream };
      }
      await this.waiters.waitChange(jobKey(jobId), seen, left, signal);
    }
  }

  /**
   * Live feed for SSE. Event ids: a chunk's id is its sequence number (1, 2, 3, …); progress and status
   * events carry the number of chunks sent before them. So ids never decrease, and a client resuming
   * with `Last-Event-ID: n` gets exactly the chunks after n, followed by a fresh status snapshot
   * (progress and status events are snapshots, so seeing one again is harmless). The feed ends after
   * the terminal status event, or with a `gone` event if the job is deleted first (TTL, retention, purge),
   * so a client is never left waiting on a job that no longer exists. It never moves the `/stream` cursor.
   */
  async subscribe(
    endpointId: string,
    jobId: string,
    afterEventId: number,
    onEvent: (e: JobEvent) => void,
  ): Promise<(() => void) | undefined> {
    if (!(await this.find(endpointId, jobId))) return undefined;
    let sent = Number.isInteger(afterEventId) && afterEventId > 0 ? afterEventId : 0;
    let closed = false;
    let lastStatus: JobStatus | undefined;
    let lastProgress: string | undefined;
    let pumping = false;
    let again = false;

    const emit = (e: JobEvent): void => {
      if (closed) return;
      try {
        onEvent(e);
      } catch (err) {
        this.log.warn({ err, jobId }, "SSE listener failed; feed closed");
        close();
      }
    };
    const step = async (): Promise<void> => {
      for (;;) {
        const chunks = await this.store.readChunks(jobId, sent, 500);
        for (const c of chunks) {
          if (closed) return;
          emit({ id: c.seq, type: "chunk", seq: c.seq, output: c.output });
          sent = c.seq;
        }
        if (chunks.length < 500) break;
      }
      // The common wake-up is a new chunk with nothing else changed: a status-and-progress read answers that
      // without reading and decoding the whole row (input included); the full job is read only for a new status.
      const state = await this.feedState(jobId);
      if (!state) {
        emit({ id: sent, type: "gone", jobId, error: `job ${jobId} not found` });
        return close();
      }
      if (state.status !== lastStatus) {
        const job = state.job ?? (await this.store.get(jobId));
        if (!job) {
          emit({ id: sent, type: "gone", jobId, error: `job ${jobId} not found` });
          return close();
        }
        lastStatus = job.status;
        lastProgress = state.progress;
        emit({ id: sent, type: "status", job: await this.viewWithHint(job) });
        if (isTerminal(job.status)) close();
      } else if (state.progress !== undefined && state.progress !== lastProgress) {
        lastProgress = state.progress;
        emit({ id: sent, type: "progress", output: JSON.parse(state.progress) as unknown });
      }
    };
    const pump = async (): Promise<void> => {
      if (pumping) {
        again = true;
        return;
      }
      pumping = true;
      try {
        do {
          again = false;
          await step();
        } while (again && !closed);
      } catch (err) {
        this.log.error({ err, jobId }, "SSE feed failed");
        close();
      } finally {
        pumping = false;
      }
    };
    const off = this.waiters.on(jobKey(jobId), () => void pump());
    // Another node's wake-up may be lost: re-read the store now and then while the feed is open.
    const recheck = this.cluster ? setInterval(() => void pump(), this.cluster.recheckMs ?? 1000) : undefined;
    recheck?.unref();
    function close(): void {
      closed = true;
      off();
      if (recheck) clearInterval(recheck);
    }
    await pump();
    return close;
  }

  /**
   * Status and raw progress for a live feed; stores without `feedState` answer from the whole row (then `job`
   * carries it, so a status change needs no second read).
   */
  private async feedState(
    jobId: string,
  ): Promise<{ status: JobStatus; progress?: string; job?: JobRecord } | undefined> {
    if (this.store.feedState) return this.store.feedState(jobId);
    const job = await this.store.get(jobId);
    if (!job) return undefined;
    const progress = progressText(job);
    return progress === undefined ? { status: job.status, job } : { status: job.status, progress, job };
  }

  async cancel(endpointId: string, jobId: string): Promise<JobView | undefined> {
    if (!(await this.find(endpointId, jobId))) return undefined;
    const r = await this.store.cancel(jobId, this.clock());
    if (r.ok) {
      this.log.info({ jobId, previous: r.previous }, "job cancelled");
      if (r.previous === "IN_PROGRESS" && r.job.workerId) this.sendStop(r.job.workerId, jobId);
      this.afterTerminal(r.job);
      return this.view(r.job);
    }
    return r.job && this.view(r.job);
  }

  async retry(endpointId: string, jobId: string): Promise<Outcome<JobView>> {
    const job = await this.find(endpointId, jobId);
    if (!job) return fail(404, `job ${String(jobId)} not found`);
    const r = await this.store.retry(jobId);
    if (!r.ok) {
      if (r.reason === "not-found") return fail(404, `job ${jobId} not found`);
      const status = r.job?.status ?? job.status;
      return fail(400, `job ${jobId} is ${status}; only FAILED or TIMED_OUT jobs can be retried`);
    }
    this.waiters.notify(jobKey(jobId));
    this.waiters.notifyOne(queueKey(r.job.endpointId));
    return ok(this.view(r.job));
  }

  async purgeQueue(endpointId: string): Promise<number> {
    if (!this.hasEndpoint(endpointId)) return 0;
    const ids = await this.store.purgeQueue(endpointId);
    for (const id of ids) {
      this.waiters.notify(jobKey(id));
      this.waiters.forget(jobKey(id));
    }
    if (ids.length > 0) this.log.info({ endpointId, removed: ids.length }, "queue purged");
    return ids.length;
  }

  async listRecent(endpointId: string, request: ListRecentRequest = {}): Promise<JobSummary[]> {
    if (!this.hasEndpoint(endpointId)) return [];
    const r: ListRecentRequest = isObject(request) ? request : {};
    const limit =
      typeof r.limit === "number" && Number.isInteger(r.limit) ? Math.min(Math.max(r.limit, 1), 500) : 50;
    const status = typeof r.status === "string" && JOB_STATUSES.includes(r.status) ? r.status : undefined;
    const jobs = await this.store.listRecent(endpointId, { limit, ...(status ? { status } : {}) });
    const now = this.clock();
    return jobs.map((j) => toSummary(j, now));
  }

  async health(endpointId: string): Promise<HealthView> {
    const [counts, workers] = await Promise.all([
      this.store.counts(endpointId),
      this.listWorkers(endpointId),
    ]);
    const view: HealthView = { jobs: counts, workers: WorkerRegistry.summarize(workers) };
    const hints = workers.filter((w) => w.state === "unhealthy").map(WorkerRegistry.describeUnhealthy);
    if (hints.length > 0) view.hints = hints;
    return view;
  }

  // ---------------------------------------------------------------- worker protocol

  async take(
    endpointId: string,
    workerId: string,
    max: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<WorkerJob[]> {
    if (!this.hasEndpoint(endpointId) || typeof workerId !== "string" || workerId.length === 0) return [];
    const batch = Number.isInteger(max) && max >= 1 ? Math.min(max, 1000) : 1;
    this.workers.takeRequested(endpointId, workerId, batch, this.clock());
    this.workers.healthy(workerId);
    // While the take is held the worker is evidently alive: Gantry's SDK stops pinging while idle (worker-protocol
    // extensions in docs/api.md), so the registry must not forget a worker that waits here.
    this.workers.pollOpened(workerId);
    try {
      return await this.holdTake(endpointId, workerId, batch, waitMs, signal);
    } finally {
      this.workers.pollClosed(workerId, this.clock());
    }
  }

  private async holdTake(
    endpointId: string,
    workerId: string,
    batch: number,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<WorkerJob[]> {
    if (this.workers.recycling(workerId, this.clock())) {
      // It asked to be recycled (stopPod): hold the poll like an empty queue, since an instant empty answer
      // would make it spin. Nothing notifies this key; the wait ends at the hold, on abort or on stop.
      const k = recycleKey(workerId);
      const until = Date.now() + clampWait(waitMs, this.takeHoldMs);
      // Sleeps are bounded on a multi-node engine: keep holding until the deadline.
      while (!signal?.aborted && !this.stopped && Date.now() < until)
        await this.waiters.waitChange(k, this.waiters.stamp(k), until - Date.now(), signal);
      return [];
    }
    const key = queueKey(endpointId);
    const deadline = Date.now() + clampWait(waitMs, this.takeHoldMs);
    for (;;) {
      const seen = this.waiters.stamp(key);
      const now = this.clock();
      const jobs = await this.store.take(endpointId, workerId, batch, now, now + this.leaseMs);
      if (jobs.length > 0) {
        this.workers.taken(endpointId, workerId, jobs, now);
        // More may be waiting than this batch took: let the next sleeping taker look.
        if (jobs.length === batch) this.waiters.notifyOne(key);
        for (const job of jobs) {
          // Live feeds (SSE) show the move to IN_PROGRESS.
          this.waiters.notify(jobKey(job.id));
          this.callHook("onJobTaken", job);
        }
        return jobs.map(toWorkerJob);
      }
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted || this.stopped) return [];
      await this.waiters.waitChange(key, seen, left, signal);
    }
  }

  async putBack(endpointId: string, workerId: string, jobIds: string[]): Promise<void> {
    if (!Array.isArray(jobIds)) return;
    const ids = jobIds.filter((id): id is string => typeof id === "string");
    const back = await this.store.putBack(workerId, ids);
    this.workers.putBack(workerId, ids);
    for (const job of back) {
      if (job.endpointId !== endpointId)
        this.log.warn({ jobId: job.id, endpointId }, "put back across endpoints");
      this.waiters.notify(jobKey(job.id));
      this.waiters.notifyOne(queueKey(job.endpointId));
    }
  }

  async workerDone(
    endpointId: string,
    workerId: string,
    jobId: string,
    body: WorkerDoneBody,
    isStream: boolean,
  ): Promise<Outcome<void>> {
    if (!isObject(body)) return fail(400, "job-done body must be a JSON object");
    // The store checks the job's endpoint in the write itself (`guard`): no read before it.
    const guard = { endpointId };
    const now = this.clock();
    this.workers.seen(endpointId, workerId, now);
    if (body.stopPod === true) {
      this.workers.markRecycle(workerId, now);
      this.log.info({ workerId, jobId }, "worker asked to be recycled (stopPod)");
    }

    if (body.status === "IN_PROGRESS") {
      const r = await this.store.progress(jobId, workerId, body.output, now + this.leaseMs, guard);
      if (r.ok) {
        this.waiters.notify(jobKey(jobId));
        return ok(undefined);
      }
      // Progress racing the final result (runpod-python#250) is dropped quietly.
      if (r.reason === "already-terminal") return ok(undefined);
      return fail(404, r.message);
    }

    const failed = Boolean(body.error);
    const hasOutput = "output" in body && body.output !== undefined;
    const r = await this.store.finish(
      jobId,
      workerId,
      {
        status: failed ? "FAILED" : "COMPLETED",
        hasOutput,
        ...(hasOutput ? { output: body.output } : {}),
        ...(failed ? { error: body.error } : {}),
        generator: isStream === true,
      },
      now,
      guard,
    );
    // After the write, before anyone is told: the registry shows the worker free once its answer is visible.
    this.workers.done(endpointId, workerId, jobId, true, now);
    if (r.ok) {
      this.afterTerminal(r.job);
      return ok(undefined);
    }
    if (r.reason === "already-terminal") return ok(undefined);
    return fail(404, r.message);
  }

  async workerStream(
    endpointId: string,
    workerId: string,
    jobId: string,
    output: unknown,
  ): Promise<Outcome<void>> {
    const now = this.clock();
    this.workers.seen(endpointId, workerId, now);
    const guard = { endpointId };
    const r = await this.store.appendChunk(jobId, workerId, output ?? null, now + this.leaseMs, guard);
    if (r.ok) {
      this.waiters.notify(jobKey(jobId));
      return ok(undefined);
    }
    if (r.reason === "already-terminal") return ok(undefined);
    return fail(404, r.message);
  }

  async ping(endpointId: string, workerId: string, report: PingReport): Promise<void> {
    if (!this.hasEndpoint(endpointId) || typeof workerId !== "string" || workerId.length === 0) return;
    const r: PingReport = isObject(report) ? report : {};
    const now = this.clock();
    const version = typeof r.version === "string" ? r.version : undefined;
    const ids = Array.isArray(r.jobIds) ? r.jobIds.filter((id): id is string => typeof id === "string") : [];
    this.workers.seen(endpointId, workerId, now, { version, jobIds: ids });
    if (r.status === "unhealthy") {
      const check = typeof r.check === "string" ? r.check : undefined;
      const reason = typeof r.reason === "string" ? r.reason.slice(0, 512) : undefined;
      this.workers.reportUnhealthy(endpointId, workerId, now, check, reason);
      this.log.warn({ endpointId, workerId, check, reason }, "worker reported unhealthy");
    } else {
      this.workers.healthy(workerId);
    }
    if (ids.length > 0) await this.store.extendLeases(workerId, ids, now + this.leaseMs);
  }

  async waitStops(
    endpointId: string,
    workerId: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<string[]> {
    if (!this.hasEndpoint(endpointId) || typeof workerId !== "string") return [];
    this.workers.pollOpened(workerId);
    try {
      const key = stopKey(workerId);
      const deadline = Date.now() + clampWait(waitMs, this.stopHoldMs);
      for (;;) {
        const seen = this.waiters.stamp(key);
        const pending = await this.stops.take(workerId);
        if (pending.length > 0) return pending;
        const left = deadline - Date.now();
        if (left <= 0 || signal?.aborted || this.stopped) return [];
        await this.waiters.waitChange(key, seen, left, signal);
      }
    } finally {
      this.workers.pollClosed(workerId, this.clock());
    }
  }

  /**
   * A worker is known to be gone (its process exited or was killed): each job it still runs goes through the
   * lease-lost path now rather than when its lease lapses — requeued with retries + 1, or FAILED after
   * `maxRetries` — and the worker leaves the registry. Returns the jobs as they are afterwards.
   */
  async releaseWorker(workerId: string, reason: string): Promise<JobRecord[]> {
    if (typeof workerId !== "string" || workerId.length === 0) return [];
    const why = typeof reason === "string" && reason !== "" ? reason : "is gone";
    const released: JobRecord[] = [];
    for (const job of await this.store.listByWorker(workerId)) {
      const maxRetries = this.endpoints.get(job.endpointId)?.maxRetries ?? 3;
      const error = `worker ${workerId} ${why}; job failed after ${job.retries} ${job.retries === 1 ? "retry" : "retries"}`;
      const r = await this.store.leaseLost(job.id, workerId, maxRetries, this.clock(), error, {
        workerGone: true,
      });
      if (!r.ok) continue;
      released.push(r.job);
      if (r.job.status === "IN_QUEUE") {
        this.log.warn({ jobId: job.id, workerId, retries: r.job.retries, why }, "worker gone; job requeued");
        this.waiters.notify(jobKey(job.id));
        this.waiters.notifyOne(queueKey(job.endpointId));
      } else {
        this.log.warn({ jobId: job.id, workerId, why }, "worker gone; retries exhausted; job failed");
        this.afterTerminal(r.job);
      }
    }
    await this.stops.clear(workerId);
    this.workers.remove(workerId);
    await this.workerSync?.forget([workerId]);
    return released;
  }

  async putBackStops(endpointId: string, workerId: string, jobIds: string[]): Promise<void> {
    if (!this.hasEndpoint(endpointId) || typeof workerId !== "string" || !Array.isArray(jobIds)) return;
    for (const id of jobIds) if (typeof id === "string" && id.length > 0) this.sendStop(workerId, id);
  }

  // ---------------------------------------------------------------- internals

  /** The job if it exists and belongs to the endpoint (ids are global, routes are per endpoint). */
  private async find(endpointId: string, jobId: string): Promise<JobRecord | undefined> {
    if (typeof jobId !== "string" || jobId.length === 0 || jobId.length > 200) return undefined;
    const job = await this.store.get(jobId);
    return job && job.endpointId === endpointId ? job : undefined;
  }

  private view(job: JobRecord): JobView {
    return toView(job, this.clock());
  }

  /** Adds a "why is it waiting" hint to a queued job when every worker of its endpoint is unhealthy. */
  private async viewWithHint(job: JobRecord): Promise<JobView> {
    if (job.status !== "IN_QUEUE") return this.view(job);
    const workers = this.workers.list(job.endpointId, new Map(), this.clock());
    const unhealthy = workers.filter((w) => w.state === "unhealthy");
    if (workers.length === 0 || unhealthy.length !== workers.length) return this.view(job);
    const hint = `every worker of endpoint ${job.endpointId} is unhealthy: ${unhealthy
      .map(WorkerRegistry.describeUnhealthy)
      .join("; ")}`;
    return toView(job, this.clock(), hint);
  }

  private sendStop(workerId: string, jobId: string): void {
    this.stops.add(workerId, jobId, this.clock()).then(
      () => this.waiters.notify(stopKey(workerId)),
      (err: unknown) => this.log.error({ err, workerId, jobId }, "could not record a stop signal"),
    );
  }

  private afterTerminal(job: JobRecord): void {
    this.waiters.notify(jobKey(job.id), job);
    this.callHook("onJobTerminal", job);
    // With several nodes only the leader delivers; its next sweep picks this one up from the outbox.
    if (job.webhook && this.leadership.isLeader()) void this.webhooks.kick();
  }

  private callHook(name: keyof EngineHooks, job: JobRecord): void {
    try {
      this.hooks[name]?.(job);
    } catch (err) {
      this.log.error({ err, jobId: job.id }, `${name} hook failed`);
    }
  }

  private async pruneWorkers(now: number): Promise<void> {
    const busy = new Set<string>();
    const endpoints = new Set(this.workers.endpoints());
    for (const ep of endpoints) for (const w of (await this.store.workerLoads(ep)).keys()) busy.add(w);
    const gone = this.workers.prune(now, (w) => busy.has(w));
    if (this.cluster) {
      // A worker a dead leader was starting stays "initializing" in the shared registry: nobody will remove it.
      for (const s of this.workers.snapshots(now)) {
        if (s.initializing && now - s.lastSeen > ORPHANED_START_MS && !busy.has(s.id)) {
          this.workers.remove(s.id);
          gone.push(s.id);
        }
      }
    }
    for (const id of gone) {
      if (!this.cluster) await this.stops.clear(id);
      this.log.debug({ workerId: id }, "worker forgotten");
    }
    await this.workerSync?.forget(gone);
  }
}

/** `/runsync` results stay at least the endpoint's sync retention; a `?wait` may stretch that up to 5 min. */
const MAX_SYNC_RETENTION_HINT_MS = 300_000;
function syncRetention(endpointMs: number, hintMs: number | undefined): number {
  if (hintMs === undefined) return endpointMs;
  return Math.max(endpointMs, Math.min(hintMs, MAX_SYNC_RETENTION_HINT_MS));
}

/** A wake-up's detail that is the terminal record of this job on this endpoint (see `afterTerminal`). */
function isTerminalRecordOf(detail: unknown, endpointId: string, jobId: string): detail is JobRecord {
  if (typeof detail !== "object" || detail === null) return false;
  const job = detail as JobRecord;
  return job.id === jobId && job.endpointId === endpointId && isTerminal(job.status);
}

function progressText(job: JobRecord): string | undefined {
  return job.status === "IN_PROGRESS" && job.hasOutput ? JSON.stringify(job.output) : undefined;
}

function toWorkerJob(job: JobRecord): WorkerJob {
  const out: WorkerJob = { ...(job.extra ?? {}), id: job.id, input: job.input };
  if (job.webhook !== undefined) out.webhook = job.webhook;
  out.policy = { ...job.policy };
  if (job.s3Config !== undefined) out.s3Config = job.s3Config;
  return out;
}
