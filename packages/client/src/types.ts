/**
 * The wire shapes of the `/v2/{endpointId}/…` API (RunPod's, plus Gantry's additive extensions). Those the
 * server shares come from @gantry/protocol, under the names this SDK has always exported.
 */
import type { ExecutionPolicy, JobView, S3Config } from "@gantry/protocol";

export type {
  ExecutionPolicy,
  HealthStatus,
  JobAck,
  JobStatusName,
  PurgeQueueResult,
  S3Config,
} from "@gantry/protocol";

/** The status object of `/status`, `/status-sync`, `/runsync` and the SSE `status` event. */
export type JobStatus<TOutput = unknown> = JobView<TOutput>;

export interface RunOptions {
  /** URL that receives the final status object when the job ends. */
  webhook?: string;
  policy?: ExecutionPolicy;
  s3Config?: S3Config;
  /**
   * Sent as `Idempotency-Key`. Generated when absent, so a submission retried after a lost answer returns the
   * first job instead of creating a second one (servers that do not know the header ignore it).
   */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface RunSyncOptions extends RunOptions {
  /** ms to wait for the job to finish, in total (default 90000). */
  timeout?: number;
}

export interface WaitOptions {
  /** ms to wait, in total; no limit when absent. */
  timeout?: number;
  signal?: AbortSignal;
}

export type StreamTransport = "auto" | "sse" | "poll";

export interface StreamOptions {
  signal?: AbortSignal;
  /**
   * `auto` (default): server-sent events when the server offers them, else RunPod's draining `/stream`
   * long-poll. `sse` fails when the server has no event stream; `poll` never tries one.
   */
  transport?: StreamTransport;
  /** ms for the whole stream; a `GantryTimeoutError` carrying the job id ends it. No limit when absent. */
  timeout?: number;
  /** Called with each progress value the event stream carries (SSE only). */
  onProgress?: (progress: unknown) => void;
  /**
   * ms during which reconnecting may fail in a row (server restarting, network down) before the stream gives
   * up with the last error. Default 120000.
   */
  reconnectWindowMs?: number;
}

export interface ProgressOptions {
  signal?: AbortSignal;
  /** `auto` (default) uses SSE when this endpoint's server is known to offer it, else polls `/status`. */
  transport?: StreamTransport;
  /** ms between `/status` polls (default 1000). */
  intervalMs?: number;
  /** ms in total; no limit when absent. */
  timeout?: number;
}

export interface RetryPolicy {
  /** Extra attempts after the first (default 4). 0 disables retries. */
  retries: number;
  /** Base of the exponential backoff, ms (default 250). */
  minDelayMs: number;
  /** Cap of one backoff delay, ms (default 10000). */
  maxDelayMs: number;
}

export interface EndpointOptions {
  /** Default: env `GANTRY_API_KEY`, then `RUNPOD_API_KEY`. Sent as `Authorization: Bearer <key>`. */
  apiKey?: string;
  /**
   * Prefix before `/{endpointId}/…`, e.g. `http://localhost:8080/v2`. Default: env `GANTRY_BASE_URL`, then
   * `RUNPOD_ENDPOINT_BASE_URL`, then `https://api.runpod.ai/v2`.
   */
  baseUrl?: string;
  /** A fetch implementation (default `globalThis.fetch`). */
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** ms one short request may take (default 30000); long-polls get their `wait` on top. */
  timeoutMs?: number;
}
