/**
 * Responses of the hot routes (worker protocol, `/run`, `/runsync`, status), built once with every header the
 * app adds, as a plain object. Under @hono/node-server a `Response` with a string body and plain headers is
 * written straight to the socket; Hono's `c.json` builds a `Headers` object, and every header a middleware sets
 * afterwards copies or materialises the response again. The profile of a protocol request showed that work as
 * a large share of its CPU (issue #6).
 */
import type { Context } from "hono";
import { SERVER_VERSION } from "../version.js";
import type { AppEnv } from "./env.js";

/** Headers every answer of the app carries (CORS for browsers, the version for clients; see app.ts). */
export const COMMON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "Retry-After,Content-Type,X-Gantry-Version",
  "x-gantry-version": SERVER_VERSION,
});

export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  "content-type": "application/json",
});

/** Responses built here already carry the common headers; the app's middleware leaves them alone. */
const complete = new WeakSet<Response>();

export function isComplete(res: Response): boolean {
  return complete.has(res);
}

/** A JSON answer from text the caller serialised once. */
export function jsonText(text: string, status = 200): Response {
  const res = new Response(text, { status, headers: JSON_HEADERS });
  complete.add(res);
  return res;
}

export function jsonOf(value: unknown, status = 200): Response {
  return jsonText(JSON.stringify(value), status);
}

/** `{}`, the answer of job-done, job-stream and ping. */
export function emptyObject(): Response {
  return jsonText("{}");
}

export function noContent(): Response {
  const res = new Response(null, { status: 204, headers: COMMON_HEADERS });
  complete.add(res);
  return res;
}

/**
 * A request header without materialising the web `Headers` of the request (the node adapter builds them lazily);
 * falls back to Hono's accessor outside the node adapter (`app.request` in tests).
 */
export function headerOf(c: Context<AppEnv>, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  return headerText(incoming.headers[name]);
}

/** A node request header as one string (repeated headers joined, as the web `Headers` joins them). */
export function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(", ") : v;
}
