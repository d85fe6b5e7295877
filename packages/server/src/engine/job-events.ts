/**
 * What follows a change of a job, whichever operation made it: the wake-ups of its long-polls and feeds, the
 * hooks, stop signals to its worker and the webhook delivery. One place, so every path does all of it.
 */
import type { JobRecord } from "../domain/job.js";
import type { EngineHooks } from "./engine-config.js";
import { jobKey, queueKey, stopKey } from "./keys.js";
import type { Leadership } from "./leader.js";
import type { EngineLogger } from "./logger.js";
import type { StopSignals } from "./stop-signals.js";
import type { Waiters } from "./waiters.js";
import type { WebhookDispatcher } from "./webhooks.js";

export interface JobEventDeps {
  waiters: Waiters;
  stops: StopSignals;
  hooks: EngineHooks;
  leadership: Leadership;
  webhooks: WebhookDispatcher;
  clock: () => number;
  log: EngineLogger;
}

export class JobEvents {
  constructor(private readonly d: JobEventDeps) {}

  /** A job became terminal: its waiters get the record itself (no store read to learn it again). */
  terminal(job: JobRecord): void {
    this.d.waiters.notify(jobKey(job.id), job);
    this.callHook("onJobTerminal", job);
    // With several nodes only the leader delivers; its next sweep picks this one up from the outbox.
    if (job.webhook && this.d.leadership.isLeader()) void this.d.webhooks.kick();
  }

  /** A job was handed to a worker; live feeds (SSE) show the move to IN_PROGRESS. */
  taken(job: JobRecord): void {
    this.d.waiters.notify(jobKey(job.id));
    this.callHook("onJobTaken", job);
  }

  /** A job went (back) into its queue: one parked taker looks. */
  queued(job: JobRecord): void {
    this.d.waiters.notify(jobKey(job.id));
    this.d.waiters.notifyOne(queueKey(job.endpointId));
  }

  /** Progress or a chunk: its feeds and long-polls look again. */
  changed(jobId: string): void {
    this.d.waiters.notify(jobKey(jobId));
  }

  /** A job was deleted (TTL, retention, purge): its waiters see it gone and its stamp is dropped. */
  deleted(jobId: string): void {
    this.d.waiters.notify(jobKey(jobId));
    this.d.waiters.forget(jobKey(jobId));
  }

  /** Tells the worker to drop the job, through its job-stop long-poll. */
  stop(workerId: string, jobId: string): void {
    this.d.stops.add(workerId, jobId, this.d.clock()).then(
      () => this.d.waiters.notify(stopKey(workerId)),
      (err: unknown) => this.d.log.error({ err, workerId, jobId }, "could not record a stop signal"),
    );
  }

  private callHook(name: keyof EngineHooks, job: JobRecord): void {
    try {
      this.d.hooks[name]?.(job);
    } catch (err) {
      this.d.log.error({ err, jobId: job.id }, `${name} hook failed`);
    }
  }
}
