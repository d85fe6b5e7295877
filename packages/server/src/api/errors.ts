/**
 * Every non-2xx answer of the API is `{"error": "<string>"}` (endpoint-api.md §1.4): the JS SDK exposes the
 * parsed body of a failed call, and an HTML or plain-text body would hide the reason from it.
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 429 | 500 | 503;

/** Thrown by validators deep inside a handler; the app's error handler turns it into the JSON error. */
export class ApiError extends Error {
  readonly status: ErrorStatus;
  readonly headers: Record<string, string> | undefined;

  constructor(status: ErrorStatus, message: string, headers?: Record<string, string>) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.headers = headers;
  }
}

export function errorResponse(
  c: Context,
  status: ErrorStatus,
  message: string,
  headers?: Record<string, string>,
): Response {
  if (headers) for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return c.json({ error: message }, status as ContentfulStatusCode);
}
