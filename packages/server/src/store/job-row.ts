/**
 * The jobs and webhook-outbox tables as both adapters read them, and their mapping to the domain types: one
 * schema, one mapping, so the SQLite and PostgreSQL stores cannot disagree on what a row means.
 */
import type { JobRecord, JobStatus } from "../domain/job.js";
import type { JobCounts } from "./job-store.js";
import type { WebhookDelivery } from "./webhook-outbox.js";

/** A boolean column: PostgreSQL returns booleans, SQLite 0 and 1. */
export type Flag = boolean | number;
export const flag = (v: Flag): boolean => v === true || v === 1;

export interface JobRow {
  id: string;
  endpoint_id: string;
  status: JobStatus;
  sync: Flag;
  input: string;
  webhook: string | null;
  execution_timeout_ms: number;
  ttl_ms: number;
  low_priority: Flag;
  s3_config: string | null;
  extra: string | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  expires_at: number;
  retention_ms: number;
  retain_until: number | null;
  worker_id: string | null;
  output: string | null;
  has_output: Flag;
  error: string | null;
  retries: number;
  stream_count: number;
  stream_drained: number;
  generator: Flag;
  lease_until: number | null;
  deadline_at: number | null;
  queue_pos: number;
  /** PostgreSQL only: tie-break of `/requests` ordering. */
  insert_seq?: number;
  idempotency_key: string | null;
}

export interface OutboxRow {
  id: number;
  job_id: string;
  endpoint_id: string;
  url: string;
  snapshot: string;
  state: WebhookDelivery["state"];
  attempts: number;
  next_at: number;
  last_error: string | null;
}

/** JSON.stringify maps `undefined` to nothing; the column needs text. */
export const json = (v: unknown): string => JSON.stringify(v) ?? "null";
export const parse = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

export function toRecord(r: JobRow): JobRecord {
  const job: JobRecord = {
    id: r.id,
    endpointId: r.endpoint_id,
    status: r.status,
    sync: flag(r.sync),
    input: parse(r.input),
    policy: {
      executionTimeout: r.execution_timeout_ms,
      ttl: r.ttl_ms,
      lowPriority: flag(r.low_priority),
    },
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    hasOutput: flag(r.has_output),
    retries: r.retries,
    streamCount: r.stream_count,
    streamDrained: r.stream_drained,
  };
  if (r.webhook !== null) job.webhook = r.webhook;
  if (r.s3_config !== null) job.s3Config = parse(r.s3_config);
  if (r.extra !== null) job.extra = parse(r.extra) as Record<string, unknown>;
  if (r.started_at !== null) job.startedAt = r.started_at;
  if (r.completed_at !== null) job.completedAt = r.completed_at;
  if (r.retain_until !== null) job.retainUntil = r.retain_until;
  if (r.worker_id !== null) job.workerId = r.worker_id;
  if (flag(r.has_output)) job.output = parse(r.output);
  if (r.error !== null) job.error = parse(r.error);
  if (flag(r.generator)) job.generator = true;
  if (r.lease_until !== null) job.leaseUntil = r.lease_until;
  if (r.idempotency_key !== null) job.idempotencyKey = r.idempotency_key;
  return job;
}

/** An outbox row with its job snapshot already decoded (each adapter stores the snapshot its own way). */
export function deliveryOf(r: OutboxRow, job: JobRecord): WebhookDelivery {
  const d: WebhookDelivery = {
    id: r.id,
    jobId: r.job_id,
    endpointId: r.endpoint_id,
    url: r.url,
    job,
    attempts: r.attempts,
    nextAt: r.next_at,
    state: r.state,
  };
  if (r.last_error !== null) d.lastError = r.last_error;
  return d;
}

/** An endpoint's counts from its jobs per status (the `counts` query's rows) and its retried counter. */
export function countsOf(byStatus: ReadonlyMap<string, number>, retried: number): JobCounts {
  return {
    inQueue: byStatus.get("IN_QUEUE") ?? 0,
    inProgress: byStatus.get("IN_PROGRESS") ?? 0,
    completed: byStatus.get("COMPLETED") ?? 0,
    failed: byStatus.get("FAILED") ?? 0,
    cancelled: byStatus.get("CANCELLED") ?? 0,
    timedOut: byStatus.get("TIMED_OUT") ?? 0,
    retried,
  };
}
