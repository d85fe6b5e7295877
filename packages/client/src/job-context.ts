/** What a job's helpers (waiting, streaming, progress) share, without depending on `Job` or `Endpoint`. */
import { WAIT_MIN_MS } from "@gantry/protocol";
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

/** RunPod's long-poll `wait` floor (ms); the client asks for at most 90 s, below the server's ceiling. */
export const MIN_WAIT_MS = WAIT_MIN_MS;
export const MAX_CLIENT_WAIT_MS = 90_000;
/** A long-poll answered faster than this without news means the server does not hold requests. */
export const NO_HOLD_MS = 200;
