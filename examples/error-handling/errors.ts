/**
 * The error classes of the error-handling example and how each maps to a result object.
 * The mapping is the seed's: `{ error, status, retry }`, with `retry` telling the client whether
 * sending the same request again can succeed.
 */

/** Memory for the job could not be allocated (the counterpart of torch.cuda.OutOfMemoryError). */
export class OutOfMemoryError extends Error {
  override name = "OutOfMemoryError";
}

/** The work did not finish within its deadline. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

/** A network peer could not be reached or dropped the connection. */
export class ConnectionError extends Error {
  override name = "ConnectionError";
}

export type ErrorStatus =
  | "VALIDATION_FAILED"
  | "OOM_ERROR"
  | "TIMEOUT"
  | "CONNECTION_ERROR"
  | "UNKNOWN_ERROR";

export interface ErrorResult {
  error: string;
  status: ErrorStatus;
  retry: boolean;
  traceback?: string;
}

export function validationFailed(message: string): ErrorResult {
  return { error: message, status: "VALIDATION_FAILED", retry: false };
}

/** Maps anything thrown by the work to the result the client gets. Never throws. */
export function toErrorResult(err: unknown): ErrorResult {
  if (err instanceof OutOfMemoryError) {
    // Same input will fail again: the client must send less.
    return { error: "Out of memory. Reduce input size or buffer_mb.", status: "OOM_ERROR", retry: false };
  }
  // AbortSignal.timeout() rejects with a DOMException named TimeoutError: treat it like ours.
  if (err instanceof TimeoutError || (err instanceof Error && err.name === "TimeoutError")) {
    return { error: "Request timed out", status: "TIMEOUT", retry: true };
  }
  if (err instanceof ConnectionError) {
    return { error: `Connection error: ${err.message}`, status: "CONNECTION_ERROR", retry: true };
  }
  const error = err instanceof Error ? err : new Error(String(err));
  return {
    error: error.message,
    traceback: error.stack ?? String(error),
    status: "UNKNOWN_ERROR",
    retry: true,
  };
}
