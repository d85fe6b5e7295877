/**
 * The one periodic timer of the engine. Each `tick(now)`:
 * 1. lapsed leases → requeue (retries + 1) or FAILED after `maxRetries`;
 * 2. execution timeouts → TIMED_OUT and a stop signal to the worker;
 * 3. TTL → delete whatever the state (and stop the worker if it was running);
 * 4. retention → delete finished jobs;
 * then lets the engine deliver due webhooks and forget quiet workers.
 * Tests drive `tick(now)` directly with a fake clock.
 */
import type { JobRecord } from "../domain/job.js";
import type { JobStore } from "../store/job-store.js";
import type { EngineLogger } from "./logger.js";

/** What the sweeper tells the engine; the engine owns wake-ups, hooks, stops and webhooks. */
export interface SweepEvents {
  maxRetries(endpointId: string): number;
  requeued(job: JobRecord): void;
  terminal(job: JobRecord): void;
  stop(workerId: string, jobId: string): void;
  deleted(job: { id: string; endpointId?: string }): void;
  /** Whether this node runs the store sweeps now (multi-node: only the leader). */
  active(): boolean;
  afterTick(now: number): Promise<void>;
}

const BATCH = 500;

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: JobStore,
    private readonly events: SweepEvents,
    private readonly clock: () => number,
    private readonly intervalMs: number,
    private readonly log: EngineLogger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      // Skip a beat rather than pile up passes on a slow disk.
      if (!this.running) void this.tick(this.clock());
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass at time `now`; concurrent calls share the pass in progress. */
  tick(now: number): Promise<void> {
    if (this.running) return this.running;
    this.running = this.pass(now)
      .catch((err: unknown) => this.log.error({ err }, "sweep failed"))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private async pass(now: number): Promise<void> {
    if (this.events.active()) await this.sweepStore(now);
    await this.events.afterTick(now);
  }

  private async sweepStore(now: number): Promise<void> {
    for (const job of await this.store.expiredLeases(now, BATCH)) {
      if (!job.workerId) continue;
      const maxRetries = this.events.maxRetries(job.endpointId);
      const r = await this.store.leaseLost({
        id: job.id,
        workerId: job.workerId,
        maxRetries,
        now,
        error: `worker ${job.workerId} stopped responding; job failed after ${job.retries} ${job.retries === 1 ? "retry" : "retries"}`,
      });
      if (!r.ok) continue;
      if (r.job.status === "IN_QUEUE") {
        this.log.warn(
          { jobId: job.id, workerId: job.workerId, retries: r.job.retries },
          "lease lost; job requeued",
        );
        this.events.requeued(r.job);
      } else {
        this.log.warn({ jobId: job.id, workerId: job.workerId }, "lease lost; retries exhausted; job failed");
        this.events.terminal(r.job);
      }
    }

    for (const job of await this.store.executionTimeouts(now, BATCH)) {
      const limit = job.policy.executionTimeout;
      const r = await this.store.timeout(job.id, now, `job exceeded its execution timeout of ${limit} ms`);
      if (!r.ok) continue;
      this.log.info({ jobId: job.id, workerId: job.workerId }, "execution timeout");
      if (job.workerId) this.events.stop(job.workerId, job.id);
      this.events.terminal(r.job);
    }

    for (const job of await this.store.expireTtl(now, BATCH)) {
      this.log.info({ jobId: job.id, status: job.status }, "ttl expired; job deleted");
      if (job.status === "IN_PROGRESS" && job.workerId) this.events.stop(job.workerId, job.id);
      this.events.deleted(job);
    }

    for (const id of await this.store.expireRetention(now, BATCH)) this.events.deleted({ id });
  }
}
