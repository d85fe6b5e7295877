/** The wire shapes of the `/v2/{endpointId}/…` API (RunPod's, plus Gantry's additive extensions). */

export type JobStatusName = "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED" | "FAILED" | "CANCELLED" | "TIMED_OUT";

/** The status object of `/status`, `/status-sync`, `/runsync` and the SSE `status` event. */
export interface JobStatus<TOutput = unknown> {
  id: string;
  status: JobStatusName;
  /** ms from submission until a worker took the job (includes cold start). */
  delayTime?: number;
  /** ms from pickup until the result (or the latest progress update). */
  executionTime?: number;
  /** Echoed while IN_PROGRESS and on FAILED. */
  input?: unknown;
  /** The result when COMPLETED; the latest progress value while IN_PROGRESS. */
  output?: TOutput;
  /** The worker's error (usually a string) when FAILED. */
  error?: unknown;
  workerId?: string;
  /** How often the job was requeued (present when > 0). */
  retries?: number;
  /** Gantry extension: why a queued job is still waiting. */
  hint?: string;
}

export interface ExecutionPolicy {
  /** ms of run time once a worker took the job (5 s – 7 d). */
  executionTimeout?: number;
  /** ms of total lifetime from submission, after which the job is deleted (10 s – 7 d). */
  ttl?: number;
  /** Run only when nothing of higher priority waits; never triggers a scale-up. */
  lowPriority?: boolean;
}

export interface S3Config {
  accessId: string;
  accessSecret: string;
  bucketName: string;
  endpointUrl: string;
  objectPath?: string;
}

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

export interface HealthStatus {
  jobs: {
    completed: number;
    failed: number;
    inProgress: number;
    inQueue: number;
    retried: number;
    /** Gantry extension. */
    cancelled?: number;
    /** Gantry extension. */
    timedOut?: number;
  };
  workers: {
    idle: number;
    running: number;
    initializing?: number;
    ready?: number;
    throttled?: number;
    unhealthy?: number;
  };
  /** Gantry extension: reasons for unhealthy workers or stuck queues. */
  hints?: string[];
}

export interface PurgeQueueResult {
  removed: number;
  /** Lowercase `"completed"`, as RunPod sends it. */
  status: string;
}

/** What `/cancel` and `/retry` answer. */
export interface JobAck {
  id: string;
  status: JobStatusName;
  delayTime?: number;
  executionTime?: number;
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
