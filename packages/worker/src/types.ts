/**
 * Public types of @gantry/worker. Shared by every module of the SDK; kept free of runtime code. The wire shapes
 * the server shares (the job a worker takes, the result it posts) come from @gantry/protocol, which has no
 * dependencies of its own.
 */
import type { WorkerJob } from "@gantry/protocol";

export type { ResultBody } from "@gantry/protocol";

/** A job exactly as the platform sent it: `id`, `input` and any other field, unchanged. */
export type Job<I = unknown> = WorkerJob<I>;

export type LogLevelName = "NOTSET" | "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";

/** Logger bound to one job: every line carries the job id. */
export interface JobLogger {
  trace(message: unknown): void;
  debug(message: unknown): void;
  info(message: unknown): void;
  warn(message: unknown): void;
  error(message: unknown): void;
}

/** Second argument of every handler. */
export interface HandlerContext {
  /** Aborted when the platform stops this job (cancel, execution timeout, TTL) or the worker shuts down. */
  signal: AbortSignal;
  /** Sends a progress update for this job; updates are delivered in order and before the final result. */
  progress(progress: unknown, message?: string): Promise<void>;
  /** Logger bound to this job. */
  log: JobLogger;
  /** Id of the worker running the job (`RUNPOD_POD_ID`, or a generated id). */
  workerId: string;
}

/**
 * A handler may return a value, a Promise, an iterator (generator) or an async iterator (async generator).
 * Streaming is detected from the returned object, not from the function.
 */
// biome-ignore lint/suspicious/noExplicitAny: a handler declares its own input type; `any` lets `(job: Job<MyInput>) => …` be passed without a cast.
export type Handler<I = any, O = unknown> = (
  job: Job<I>,
  context: HandlerContext,
) => O | Promise<O> | Iterator<O> | AsyncIterator<O>;

// biome-ignore lint/suspicious/noExplicitAny: see Handler.
export interface WorkerConfig<I = any> {
  handler: Handler<I>;
  /** Final result of a generator handler is the list of every yielded value (default: `[]`). */
  returnAggregateStream?: boolean;
  return_aggregate_stream?: boolean;
  /** Recycle the worker after every job: result posted with `stopPod: true`, then the process exits. */
  refreshWorker?: boolean;
  refresh_worker?: boolean;
  /** Called on every take-loop iteration with the current concurrency; returns the new one. */
  concurrencyModifier?: (current: number) => number;
  concurrency_modifier?: (current: number) => number;
}
