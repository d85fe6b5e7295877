/**
 * `WebhookOutbox`: the deliveries a job's terminal change enqueued (in the same write as the change, see
 * `JobStore`), claimed attempt by attempt so a crash mid-attempt leads to a retry, after a restart too.
 */
import type { JobRecord } from "../domain/job.js";

export interface WebhookDelivery {
  id: number;
  jobId: string;
  endpointId: string;
  url: string;
  /** The job as it was when it became terminal. */
  job: JobRecord;
  attempts: number;
  nextAt: number;
  state: "pending" | "delivered" | "failed";
  lastError?: string;
}

/** A failed attempt: retry at `retryAt`, or give up when it is absent. */
export interface WebhookFailure {
  id: number;
  now: number;
  error: string;
  retryAt?: number;
}

export interface WebhookOutbox {
  /** Pending deliveries due at `now`, soonest first. */
  due(now: number, limit: number): Promise<WebhookDelivery[]>;
  /**
   * Starts an attempt: if still pending and due, counts it and pushes `nextAt` to `retryAt`, so a crash
   * mid-attempt leads to a retry. Undefined when someone else claimed it.
   */
  claim(id: number, now: number, retryAt: number): Promise<WebhookDelivery | undefined>;
  delivered(id: number, now: number): Promise<void>;
  failed(failure: WebhookFailure): Promise<void>;
  get(id: number): Promise<WebhookDelivery | undefined>;
}

/** How long finished deliveries are kept for inspection before the retention sweep prunes them. */
export const OUTBOX_KEEP_MS = 60 * 60 * 1000;
