/**
 * Query parameters and headers of the API (docs/api.md), as the raw strings a URL carries; absent is
 * `undefined`. Each gives the number or status the route uses, or the API's exact 400 message.
 */
import { JOB_STATUSES, type JobStatusName } from "./job.js";
import { accept, type Parsed, refuse } from "./parsed.js";

export const WAIT_MIN_MS = 1000;
export const WAIT_MAX_MS = 300_000;
/** Exact text RunPod answers; clients and tests match on it. */
export const WAIT_INVALID = `wait is invalid; must be between ${WAIT_MIN_MS} and ${WAIT_MAX_MS}`;

/** `?wait=` of the long-polls, in ms: absent → `defaultMs`; a fraction is cut to whole ms, as RunPod does. */
export function parseWait(raw: string | undefined, defaultMs: number): Parsed<number> {
  if (raw === undefined) return accept(defaultMs);
  const trimmed = raw.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return refuse(WAIT_INVALID);
  const value = Math.floor(Number(trimmed));
  if (!Number.isFinite(value) || value < WAIT_MIN_MS || value > WAIT_MAX_MS) return refuse(WAIT_INVALID);
  return accept(value);
}

/** A whole number 1…max; `absent` when not given. */
function parseCount(name: string, raw: string | undefined, max: number, absent: number): Parsed<number> {
  if (raw === undefined) return accept(absent);
  const trimmed = raw.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    return refuse(`${name} is invalid; must be an integer between 1 and ${max}`);
  return accept(value);
}

/** `?batch_size=` of the worker's job-take-batch: 1…max, default 1. */
export function parseBatchSize(raw: string | undefined, max: number): Parsed<number> {
  return parseCount("batch_size", raw, max, 1);
}

/** `?take=` of a result post (Gantry extension): 1…max more jobs wanted; absent → 0, a plain job-done. */
export function parseTake(raw: string | undefined, max: number): Parsed<number> {
  return parseCount("take", raw, max, 0);
}

export const LIST_DEFAULT = 50;
export const LIST_MAX = 500;

/** `?limit=` of `/requests`: 1…500, default 50. */
export function parseListLimit(raw: string | undefined): Parsed<number> {
  return parseCount("limit", raw, LIST_MAX, LIST_DEFAULT);
}

/** `?status=` of `/requests`: one job status, any case; absent or empty → every status (`undefined`). */
export function parseStatusFilter(raw: string | undefined): Parsed<JobStatusName | undefined> {
  if (raw === undefined || raw.trim() === "") return accept(undefined);
  const wanted = raw.trim().toUpperCase();
  const status = JOB_STATUSES.find((s) => s === wanted);
  if (!status) return refuse(`status is invalid; must be one of ${JOB_STATUSES.join(", ")}`);
  return accept(status);
}

/** `Last-Event-ID` / `?lastEventId=` of the event stream: a non-negative integer; absent or empty → 0. */
export function parseLastEventId(raw: string | undefined): Parsed<number> {
  if (raw === undefined || raw.trim() === "") return accept(0);
  const trimmed = raw.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value)) return refuse("Last-Event-ID is invalid; must be a non-negative integer");
  return accept(value);
}

/** `?isStream=` of job-done: the Python SDK sends `true`/`false`; anything else counts as false (never refused). */
export function parseFlag(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  return v === "true" || v === "1" || v === "yes";
}
