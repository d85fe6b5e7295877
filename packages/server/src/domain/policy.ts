/**
 * A job's execution policy: the request's `policy`, checked by @gantry/protocol's `parsePolicy` (the one rule
 * for the API, the engine and the clients), and filled from the endpoint's defaults.
 */
import { parsePolicy } from "@gantry/protocol";
import type { EndpointConfig } from "./endpoint.js";
import type { JobPolicy } from "./job.js";

export type PolicyResult = { ok: true; policy: JobPolicy } | { ok: false; error: string };

export function resolvePolicy(input: unknown, endpoint: EndpointConfig): PolicyResult {
  const parsed = parsePolicy(input);
  if (!parsed.ok) return parsed;
  const { executionTimeout, ttl, lowPriority } = parsed.value;
  return {
    ok: true,
    policy: {
      executionTimeout: executionTimeout ?? endpoint.executionTimeoutMs,
      ttl: ttl ?? endpoint.ttlMs,
      lowPriority: lowPriority ?? false,
    },
  };
}
