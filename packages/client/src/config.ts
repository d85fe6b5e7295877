/** Resolving an endpoint's settings from options and, where a `process` exists, the environment. */
import { parseId } from "@gantry/protocol";
import type { EndpointOptions, RetryPolicy } from "./types.js";

export const RUNPOD_BASE_URL = "https://api.runpod.ai/v2";

export const DEFAULT_RETRY: Readonly<RetryPolicy> = { retries: 4, minDelayMs: 250, maxDelayMs: 10_000 };
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ResolvedConfig {
  endpointId: string;
  baseUrl: string;
  apiKey: string | undefined;
  fetch: typeof fetch;
  retry: RetryPolicy;
  timeoutMs: number;
}

/** Reads an env variable in Node; browsers have no `process`, and bundlers may leave a bare object. */
function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const value = proc?.env?.[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** An endpoint or job id the server can route: the server's own rule (letters, digits, `_`, `-`; ≤ 200). */
export function checkId(kind: "endpoint" | "job", id: unknown): string {
  const parsed = parseId(kind, id);
  if (!parsed.ok) throw new TypeError(parsed.error);
  return parsed.value;
}

function nonNegative(name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
    throw new TypeError(`${name} must be a non-negative number, got ${JSON.stringify(v)}`);
  return v;
}

export function resolveConfig(endpointId: string, options: EndpointOptions = {}): ResolvedConfig {
  checkId("endpoint", endpointId);
  if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
  const rawBase =
    options.baseUrl ?? env("GANTRY_BASE_URL") ?? env("RUNPOD_ENDPOINT_BASE_URL") ?? RUNPOD_BASE_URL;
  if (typeof rawBase !== "string" || !/^https?:\/\/[^/]/i.test(rawBase))
    throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(rawBase)}`);
  // The official SDKs concatenate strings; a trailing slash would produce `//`.
  const baseUrl = rawBase.replace(/\/+$/, "");
  const apiKey = options.apiKey ?? env("GANTRY_API_KEY") ?? env("RUNPOD_API_KEY");
  if (apiKey !== undefined && typeof apiKey !== "string") throw new TypeError("apiKey must be a string");
  const doFetch = options.fetch ?? (globalThis.fetch as typeof fetch | undefined);
  if (typeof doFetch !== "function") throw new TypeError("no fetch implementation: pass options.fetch");
  const r = options.retry ?? {};
  const retry: RetryPolicy = {
    retries: Math.floor(nonNegative("retry.retries", r.retries, DEFAULT_RETRY.retries)),
    minDelayMs: nonNegative("retry.minDelayMs", r.minDelayMs, DEFAULT_RETRY.minDelayMs),
    maxDelayMs: nonNegative("retry.maxDelayMs", r.maxDelayMs, DEFAULT_RETRY.maxDelayMs),
  };
  const timeoutMs = nonNegative("timeoutMs", options.timeoutMs, DEFAULT_TIMEOUT_MS);
  return {
    endpointId,
    baseUrl,
    apiKey: apiKey === "" ? undefined : apiKey,
    // Called as a method of this object, a browser's `fetch` (the default, or `window.fetch` passed in)
    // throws "Illegal invocation"; a plain call does not.
    fetch: (input, init) => doFetch(input, init),
    retry,
    timeoutMs: timeoutMs === 0 ? DEFAULT_TIMEOUT_MS : timeoutMs,
  };
}
