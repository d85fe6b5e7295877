/** Job statuses and the status object of the public API (docs/api.md): one definition for every package. */

export const JOB_STATUSES = [
  "IN_QUEUE",
  "IN_PROGRESS",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
] as const;

/** A job's status on the wire. */
export type JobStatusName = (typeof JOB_STATUSES)[number];

export type TerminalStatusName = "COMPLETED" | "FAILED" | "CANCELLED" | "TIMED_OUT";

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set<TerminalStatusName>([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMED_OUT",
]);

/**
 * All four terminal states, CANCELLED included (Python's client forgets it and streams forever). Takes any
 * string, as a status read from a server is not trusted to be one of ours.
 */
export const isTerminalStatus = (status: string): status is TerminalStatusName =>
  TERMINAL_STATUSES.has(status);

/** The status object of `/status`, `/status-sync`, `/runsync`, `/cancel`, the SSE `status` event and webhooks. */
export interface JobView<TOutput = unknown> {
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
  /** Gantry extension: why a queued job is still waiting (e.g. a crash-looping worker). */
  hint?: string;
}

/** What `/cancel` and `/retry` answer: the status object, of which clients rely on these fields. */
export interface JobAck {
  id: string;
  status: JobStatusName;
  delayTime?: number;
  executionTime?: number;
}

/** One line of `GET /v2/{ep}/requests` (Gantry's shape; RunPod leaves it undocumented). */
export interface JobSummary {
  id: string;
  status: JobStatusName;
  /** Submission time, ms since the epoch. */
  createdAt: number;
  delayTime?: number;
  executionTime?: number;
  workerId?: string;
  retries: number;
}

/** One chunk a generator handler yielded; `seq` runs 1, 2, … per job (the SSE `chunk` event's id). */
export interface StreamChunk {
  seq: number;
  output: unknown;
}

/** The answer of RunPod's draining `/stream` long-poll: the chunks not handed out before, in order. */
export interface StreamPollAnswer {
  status: JobStatusName;
  stream: { output: unknown }[];
}

/** What `/purge-queue` answers; `status` is lowercase `"completed"`, as RunPod sends it. */
export interface PurgeQueueResult {
  removed: number;
  status: string;
}
