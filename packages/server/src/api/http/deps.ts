/** What every route module needs: the platform seam, the effective limits, a logger and the shutdown signal. */
import type { Logger } from "pino";
import { DEFAULT_TAKE_HOLD_MS } from "../../domain/long-poll.js";
import type { Platform } from "../../engine/platform.js";
import type { RateLimiter } from "./rate-limit.js";

export interface ApiLimits {
  /** Max body of `/run` (RunPod: 10 MB). */
  runBytes: number;
  /** Max body of `/runsync` (RunPod: 20 MB). */
  runsyncBytes: number;
  /** Max body of a worker's job-done post; a larger result fails the job. */
  resultBytes: number;
  /** Max body of one job-stream chunk post (RunPod: 1 MB). */
  streamChunkBytes: number;
  /** How long job-take and job-stop hold an empty answer; below the worker's 90 s client bound. */
  takeHoldMs: number;
  /** Upper bound of `?batch_size=` on job-take-batch, of `?take=` and of a job-done-batch; at most `TAKE_MAX`. */
  maxBatchSize: number;
  /** Interval of SSE comment heartbeats, so proxies keep an idle stream open. */
  sseHeartbeatMs: number;
}

export const MB = 1024 * 1024;

/**
 * The most jobs one take hands out. The engine takes what it is asked for in one store call and no longer bounds
 * it, so a configured `maxBatchSize` above this is cut to it.
 */
export const TAKE_MAX = 1000;

export const DEFAULT_LIMITS: Readonly<ApiLimits> = {
  runBytes: 10 * MB,
  runsyncBytes: 20 * MB,
  resultBytes: 20 * MB,
  streamChunkBytes: 1 * MB,
  takeHoldMs: DEFAULT_TAKE_HOLD_MS,
  maxBatchSize: TAKE_MAX,
  sseHeartbeatMs: 15_000,
};

/** Default `?wait=` of each long-poll (docs/api.md, "Long-polls and `?wait=`"). */
export const DEFAULT_WAIT_MS = { runsync: 90_000, statusSync: 90_000, stream: 10_000 } as const;

/** The byte limits an endpoint may set for itself (its `limits` in the config). */
export type EndpointByteLimits = Partial<
  Pick<ApiLimits, "runBytes" | "runsyncBytes" | "resultBytes" | "streamChunkBytes">
>;

export interface RouteDeps {
  platform: Platform;
  limits: ApiLimits;
  /** Per-endpoint overrides of the byte limits; the global `limits` apply where it returns nothing. */
  endpointLimits: (endpointId: string) => EndpointByteLimits | undefined;
  logger: Logger;
  limiter: RateLimiter;
  /** Aborted when the server shuts down: every long-poll ends at once. */
  shutdown: AbortSignal;
}

/** Text for a byte limit in error messages: "10 MB", "512 KB". */
export function formatBytes(bytes: number): string {
  if (bytes % MB === 0) return `${bytes / MB} MB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

export type ByteLimitName = keyof EndpointByteLimits;

/** The effective byte limit of `name` for the request's endpoint. */
export function byteLimit(deps: RouteDeps, endpointId: string, name: ByteLimitName): number {
  return deps.endpointLimits(endpointId)?.[name] ?? deps.limits[name];
}
