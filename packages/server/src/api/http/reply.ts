/**
 * Writing answers straight to node's response, with every header the API adds built in once as plain objects:
 * CORS for browsers and `X-Gantry-Version`, which lets clients tell Gantry from RunPod's cloud (e.g. to prefer
 * server-sent events for progress; opening SSE on RunPod would drain its `/stream` buffer instead).
 */
import type { ServerResponse } from "node:http";
import { SERVER_VERSION } from "../../version.js";
import { ApiError } from "./errors.js";

/** Headers every answer carries. */
export const COMMON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "Retry-After,Content-Type,X-Gantry-Version",
  "x-gantry-version": SERVER_VERSION,
});

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  "content-type": "application/json",
});

/** Request headers a browser may send cross-origin (the SDKs' own). */
const CORS_REQUEST_HEADERS = [
  "authorization",
  "content-type",
  "user-agent",
  "last-event-id",
  "idempotency-key",
  "x-request-id",
];

/** The answer to any CORS preflight, given before authentication. */
const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  "access-control-max-age": "600",
  "access-control-allow-methods": "GET,POST,PATCH,OPTIONS",
  "access-control-allow-headers": CORS_REQUEST_HEADERS.join(","),
});

export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  "transfer-encoding": "chunked",
  "content-type": "text/event-stream",
  "cache-control": "no-cache",
  connection: "keep-alive",
  // Proxies such as nginx would otherwise buffer the stream.
  "x-accel-buffering": "no",
});

/** 200 (or `status`) with JSON text serialised once by the caller. */
export function writeJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  extra?: Readonly<Record<string, string>>,
): void {
  if (res.destroyed) return;
  // An error after a stream began (server-sent events): the stream just ends.
  if (res.headersSent) {
    res.end();
    return;
  }
  const headers: Record<string, string | number> = { ...JSON_HEADERS };
  if (extra) for (const k in extra) headers[k.toLowerCase()] = extra[k] as string;
  headers["content-length"] = Buffer.byteLength(text);
  res.writeHead(status, headers);
  res.end(text);
}

export function writeText(res: ServerResponse, text: string, contentType: string): void {
  if (res.destroyed) return;
  res.writeHead(200, {
    ...COMMON_HEADERS,
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** 204 without a body: a long-poll that found nothing. */
export function writeNoContent(res: ServerResponse): void {
  if (res.destroyed) return;
  res.writeHead(204, COMMON_HEADERS);
  res.end();
}

export function writePreflight(res: ServerResponse): void {
  res.writeHead(204, PREFLIGHT_HEADERS);
  res.end();
}

/** `{"error": message}` with the error's status and headers (`Retry-After`). */
export function writeError(res: ServerResponse, err: ApiError): void {
  writeJsonText(res, err.status, JSON.stringify({ error: err.message }), err.headers);
}

/** What anything a handler did not expect is answered with (after it was logged). */
export const INTERNAL_ERROR = new ApiError(500, "internal server error");
