/** A job's execution policy from the request, checked against endpoint-api §3 and filled from the endpoint. */
import { type EndpointConfig, EXECUTION_TIMEOUT_RANGE, TTL_RANGE } from "./endpoint.js";
import type { JobPolicy } from "./job.js";

export type PolicyResult = { ok: true; policy: JobPolicy } | { ok: false; error: string };

function inRange(name: string, value: unknown, range: { min: number; max: number }): string | undefined {
  if (typeof value !== "number" || !Number.isInteger(value) || value < range.min || value > range.max) {
    return `policy.${name} must be between ${range.min} and ${range.max} ms`;
  }
  return undefined;
}

export function resolvePolicy(input: unknown, endpoint: EndpointConfig): PolicyResult {
  const policy: JobPolicy = {
    executionTimeout: endpoint.executionTimeoutMs,
    ttl: endpoint.ttlMs,
    lowPriority: false,
  };
  if (input === undefined || input === null) return { ok: true, policy };
  if (typeof input !== "object" || Array.isArray(input))
    return { ok: false, error: "policy must be an object" };
  const p = input as Record<string, unknown>;
  if (p.executionTimeout !== undefined && p.executionTimeout !== null) {
    const error = inRange("executionTimeout", p.executionTimeout, EXECUTION_TIMEOUT_RANGE);
    if (error) return { ok: false, error };
    policy.executionTimeout = p.executionTimeout as number;
  }
  if (p.ttl !== undefined && p.ttl !== null) {
    const error = inRange("ttl", p.ttl, TTL_RANGE);
    if (error) return { ok: false, error };
    policy.ttl = p.ttl as number;
  }
  if (p.lowPriority !== undefined && p.lowPriority !== null) {
    if (typeof p.lowPriority !== "boolean")
      return { ok: false, error: "policy.lowPriority must be a boolean" };
    policy.lowPriority = p.lowPriority;
  }
  return { ok: true, policy };
}
