/** What a job's helpers (waiting, streaming, progress) share, without depending on `Job` or `Endpoint`. */
import type { HttpClient } from "./http.js";
import type { JobStatus } from "./types.js";

/** Learned per endpoint: whether its server answered `/stream` with server-sent events (undefined: untried). */
export interface TransportMemory {
  sse?: boolean;
}

export interface JobContext {
  http: HttpClient;
  jobId: string;
  transport: TransportMemory;
  /** Keeps the job's `lastStatus` up to date. */
  record(status: JobStatus): void;
}

export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** RunPod's long-poll `wait` bounds (ms). */
export const MIN_WAIT_MS = 1_000;
export const MAX_CLIENT_WAIT_MS = 90_000;
/** A long-poll answered faster than this without news means the server does not hold requests. */
export const NO_HOLD_MS = 200;
