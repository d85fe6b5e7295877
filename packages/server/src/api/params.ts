/** Validation of path and query parameters shared by the public API and the worker protocol. */
import { JOB_STATUSES, type JobStatus } from "../domain/job.js";
import { ApiError } from "./errors.js";

export const WAIT_MIN_MS = 1000;
export const WAIT_MAX_MS = 300_000;
/** Exact text RunPod answers (endpoint-api.md §1.4); clients and tests match on it. */
export const WAIT_INVALID = "wait is invalid; must be between 1000 and 300000";

const ID_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

/** Endpoint, worker and job ids are opaque `[A-Za-z0-9_-]+` strings (endpoint-api.md §1.1, §1.5). */
export function isValidId(value: string | undefined): boolean {
  return value !== undefined && ID_PATTERN.test(value);
}

/** `?wait=` of the long-polls: absent → the route's default; anything else must be an integer in range. */
export function parseWait(raw: string | undefined, defaultMs: number): number {
  if (raw === undefined) return defaultMs;
  const trimmed = raw.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) throw new ApiError(400, WAIT_INVALID);
  const value = Math.floor(Number(trimmed));
  if (!Number.isFinite(value) || value < WAIT_MIN_MS || value > WAIT_MAX_MS)
    throw new ApiError(400, WAIT_INVALID);
  return value;
}

/** A job count of the worker protocol: an integer 1…max, `absent` when not given; anything else refused. */
function parseJobCount(name: string, raw: string | undefined, max: number, absent: number): number {
  if (raw === undefined) return absent;
  const trimmed = raw.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ApiError(400, `${name} is invalid; must be an integer between 1 and ${max}`);
  }
  return value;
}

/** `?batch_size=` of job-take-batch; the worker's queue is bounded by it, so an invalid value is refused. */
export function parseBatchSize(raw: string | undefined, max: number): number {
  return parseJobCount("batch_size", raw, max, 1);
}

/** `?take=` of a result post (Gantry's extension): absent → 0, a plain job-done. */
export function parseTake(raw: string | undefined, max: number): number {
  return parseJobCount("take", raw, max, 0);
}

/** `?isStream=` of job-done: the Python SDK sends `true`/`false`; anything else counts as false. */
export function parseBool(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  return v === "true" || v === "1" || v === "yes";
}

/** `Last-Event-ID` / `?lastEventId=` of the SSE stream: a non-negative integer, default 0 (from the start). */
export function parseLastEventId(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 0;
  const trimmed = raw.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value))
    throw new ApiError(400, "Last-Event-ID is invalid; must be a non-negative integer");
  return value;
}

export const LIST_DEFAULT = 50;
export const LIST_MAX = 500;

/** `?limit=` of `/requests`: an integer 1–500, default 50. */
export function parseListLimit(raw: string | undefined): number {
  if (raw === undefined) return LIST_DEFAULT;
  const trimmed = raw.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > LIST_MAX) {
    throw new ApiError(400, `limit is invalid; must be an integer between 1 and ${LIST_MAX}`);
  }
  return value;
}

/** `?status=` of `/requests`: one job status (case-insensitive); absent → every status. */
export function parseStatusFilter(raw: string | undefined): JobStatus | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const wanted = raw.trim().toUpperCase();
  const status = JOB_STATUSES.find((s) => s === wanted);
  if (!status) throw new ApiError(400, `status is invalid; must be one of ${JOB_STATUSES.join(", ")}`);
  return status;
}
