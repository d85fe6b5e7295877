/**
 * The error family of the client. Every failure the SDK reports is a `GantryError`, so callers can catch one
 * class and branch on the subclass: the server answered with an error (`GantryHttpError`), the server could not
 * be reached (`GantryNetworkError`), a deadline passed (`GantryTimeoutError`), or a job ended badly
 * (`JobFailedError`).
 */
import type { JobStatus } from "./types.js";

export class GantryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The server answered with a non-2xx status. `body` is the parsed JSON body (or its text when not JSON). */
export class GantryHttpError extends GantryError {
  readonly status: number;
  readonly body: unknown;
  readonly method: string;
  readonly url: string;
  /** From `Retry-After`, when the server sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: { status: number; body: unknown; method: string; url: string; retryAfterMs?: number }) {
    super(`${init.method} ${redactUrl(init.url)} → ${init.status}: ${errorText(init.status, init.body)}`);
    this.status = init.status;
    this.body = init.body;
    this.method = init.method;
    this.url = init.url;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** The request never got an answer: connection refused or reset, DNS failure, a body cut short, CORS… */
export class GantryNetworkError extends GantryError {
  readonly method: string;
  readonly url: string;

  constructor(init: { method: string; url: string; cause: unknown }) {
    super(`${init.method} ${redactUrl(init.url)} failed: ${causeText(init.cause)}`, { cause: init.cause });
    this.method = init.method;
    this.url = init.url;
  }
}

/**
 * A deadline passed: one HTTP request took longer than `timeoutMs`, or a job was not finished within the
 * `timeout` a caller gave. In the second case `jobId` names the job, which keeps running on the server, so the
 * caller can keep waiting with `endpoint.job(jobId)`.
 */
export class GantryTimeoutError extends GantryError {
  readonly jobId: string | undefined;
  /** The last status seen before giving up, when there was one. */
  readonly lastStatus: JobStatus | undefined;
  readonly timeoutMs: number;

  constructor(message: string, init: { timeoutMs: number; jobId?: string; lastStatus?: JobStatus }) {
    super(message);
    this.timeoutMs = init.timeoutMs;
    this.jobId = init.jobId;
    this.lastStatus = init.lastStatus;
  }
}

/** A job ended FAILED, TIMED_OUT or CANCELLED where a result was expected. */
export class JobFailedError extends GantryError {
  readonly jobId: string;
  readonly status: JobStatus["status"];
  /** The worker's error, as the server reported it (a string, or whatever the worker sent). */
  readonly error: unknown;
  /** The whole final status object. */
  readonly job: JobStatus;

  constructor(job: JobStatus) {
    const detail =
      job.error === undefined ? "" : `: ${typeof job.error === "string" ? job.error : safeJson(job.error)}`;
    super(`job ${job.id} ended ${job.status}${detail}`);
    this.jobId = job.id;
    this.status = job.status;
    this.error = job.error;
    this.job = job;
  }
}

function errorText(status: number, body: unknown): string {
  if (body && typeof body === "object" && "error" in body) {
    const e = (body as { error: unknown }).error;
    if (typeof e === "string" && e !== "") return e;
    if (e !== undefined && e !== null) return safeJson(e);
  }
  if (typeof body === "string" && body.trim() !== "") return body.trim().slice(0, 300);
  return `HTTP ${status}`;
}

function causeText(cause: unknown): string {
  if (cause instanceof Error) {
    // undici hides the useful part (ECONNREFUSED…) in `cause`.
    const inner = (cause as { cause?: unknown }).cause;
    const code = inner && typeof inner === "object" && "code" in inner ? ` (${String(inner.code)})` : "";
    return `${cause.message}${code}`;
  }
  return String(cause);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Query strings never carry secrets here, but keep messages short and free of them anyway. */
function redactUrl(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}
