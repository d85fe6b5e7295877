/**
 * The seam between the HTTP layer (api/) and the job engine (engine/).
 * The API validates and adapts HTTP (with @gantry/protocol's validators; the engine trusts the typed values it is
 * given); the engine owns every semantic decision.
 * Every method is scoped to an endpoint id; an unknown endpoint is the API's concern (it checks `hasEndpoint`).
 */
import type { ExecutionPolicy, HealthView, StreamPollAnswer, WorkerJob } from "@gantry/protocol";
import type { JobStatus, JobSummary, JobView, StreamChunk } from "../domain/job.js";

/** Wire shapes of @gantry/protocol the seam answers with, re-exported for the server's own modules. */
export type { HealthView, StreamPollAnswer, WorkerJob };

export interface SubmitRequest {
  endpointId: string;
  input: unknown;
  webhook?: string;
  policy?: ExecutionPolicy;
  s3Config?: unknown;
  extra?: Record<string, unknown>;
  sync: boolean;
  idempotencyKey?: string;
  /**
   * Additive: how long the API would like a `/runsync` result kept once terminal (its `?wait`). The engine keeps
   * it for max(endpoint sync retention, min(hint, 5 min)); ignored for `/run` jobs.
   */
  retentionMs?: number;
}

export interface ListRecentRequest {
  /** 1…500; default 50. */
  limit?: number;
  status?: JobStatus;
}

/**
 * One event of a job's live feed (server-sent events). `id` is monotonic per job, usable as Last-Event-ID.
 * `gone` (additive) is the last event of a feed whose job was deleted (TTL, retention, purge) before it ended.
 */
export type JobEvent =
  | { id: number; type: "chunk"; seq: number; output: unknown }
  | { id: number; type: "progress"; output: unknown }
  | { id: number; type: "status"; job: JobView }
  | { id: number; type: "gone"; jobId: string; error: string };

export type WorkerDoneBody = { output?: unknown; error?: unknown; stopPod?: boolean; status?: string };

export interface PingReport {
  jobIds?: string[];
  status?: string;
  check?: string;
  reason?: string;
  version?: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; code: 400 | 404 | 409 | 429; error: string };

export interface Platform {
  hasEndpoint(endpointId: string): boolean;

  // Public API
  submit(req: SubmitRequest): Promise<Outcome<JobView>>;
  status(endpointId: string, jobId: string): Promise<JobView | undefined>;
  /** Resolves when the job is terminal or `waitMs` elapsed or `signal` aborted; undefined if unknown. */
  waitForTerminal(
    endpointId: string,
    jobId: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<JobView | undefined>;
  /** RunPod's draining `/stream`: chunks not yet handed out, long-polling up to `waitMs` for at least one. */
  drainStream(
    endpointId: string,
    jobId: string,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<StreamPollAnswer | undefined>;
  /** Live feed for SSE: replays events after `afterEventId`, then follows until terminal. Returns unsubscribe. */
  subscribe(
    endpointId: string,
    jobId: string,
    afterEventId: number,
    onEvent: (e: JobEvent) => void,
  ): Promise<(() => void) | undefined>;
  cancel(endpointId: string, jobId: string): Promise<JobView | undefined>;
  retry(endpointId: string, jobId: string): Promise<Outcome<JobView>>;
  purgeQueue(endpointId: string): Promise<number>;
  /** Additive: the endpoint's recent jobs, newest first (`GET /requests`). */
  listRecent(endpointId: string, request?: ListRecentRequest): Promise<JobSummary[]>;
  health(endpointId: string): Promise<HealthView>;

  // Worker protocol
  take(
    endpointId: string,
    workerId: string,
    max: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<WorkerJob[]>;
  /** Give back jobs handed to a take request whose client disconnected (not counted as a retry). */
  putBack(endpointId: string, workerId: string, jobIds: string[]): Promise<void>;
  workerDone(
    endpointId: string,
    workerId: string,
    jobId: string,
    body: WorkerDoneBody,
    isStream: boolean,
  ): Promise<Outcome<void>>;
  workerStream(endpointId: string, workerId: string, jobId: string, output: unknown): Promise<Outcome<void>>;
  ping(endpointId: string, workerId: string, report: PingReport): Promise<void>;
  /** Long-poll for job ids this worker must stop; [] after `waitMs`. */
  waitStops(endpointId: string, workerId: string, waitMs: number, signal?: AbortSignal): Promise<string[]>;
  /** Give back stop ids handed to a job-stop request whose client disconnected, so the next poll gets them. */
  putBackStops(endpointId: string, workerId: string, jobIds: string[]): Promise<void>;
}

export type { JobSummary, StreamChunk };
