/**
 * A job's execution policy (`policy` of a run request, docs/api.md). Ranges are RunPod's: `executionTimeout`
 * 5 s – 7 d, `ttl` 10 s – 7 d, both integer ms. Unknown keys are ignored, as RunPod may add some.
 *
 * Type errors are all reported together (`policy.ttl: must be a number; policy.lowPriority: must be a
 * boolean`); a range error only once the types are right, the first one found. These are the API's messages.
 */
import { accept, isPlainObject, type Parsed, refuse } from "./parsed.js";

const SECOND = 1000;
const DAY = 24 * 3600 * SECOND;

export interface ExecutionPolicy {
  /** ms of run time once a worker took the job (5 s – 7 d). */
  executionTimeout?: number;
  /** ms of total lifetime from submission, after which the job is deleted (10 s – 7 d). */
  ttl?: number;
  /** Run only when nothing of higher priority waits; never triggers a scale-up. */
  lowPriority?: boolean;
}

export interface MsRange {
  readonly min: number;
  readonly max: number;
}

export const EXECUTION_TIMEOUT_RANGE: MsRange = { min: 5 * SECOND, max: 7 * DAY };
export const TTL_RANGE: MsRange = { min: 10 * SECOND, max: 7 * DAY };

export const POLICY_NOT_OBJECT = "policy: must be an object";

const DURATIONS = [
  ["executionTimeout", EXECUTION_TIMEOUT_RANGE],
  ["ttl", TTL_RANGE],
] as const;

/** `policy.<name> must be between <min> and <max> ms`: the range message, for callers that check defaults too. */
export function policyRangeError(name: "executionTimeout" | "ttl", range: MsRange): string {
  return `policy.${name} must be between ${range.min} and ${range.max} ms`;
}

/** The `policy` object of a request; `undefined` (absent) gives `{}`. */
export function parsePolicy(value: unknown): Parsed<ExecutionPolicy> {
  if (value === undefined) return accept({});
  if (!isPlainObject(value)) return refuse(POLICY_NOT_OBJECT);
  return refuseJoined(policyTypeIssues(value)) ?? policyRanges(value);
}

/** The type errors of a policy object, one per field, in field order. */
export function policyTypeIssues(policy: Record<string, unknown>): string[] {
  const issues: string[] = [];
  for (const [name] of DURATIONS) {
    const v = policy[name];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isFinite(v)) issues.push(`policy.${name}: must be a number`);
    else if (v < 0) issues.push(`policy.${name}: must be ≥ 0`);
  }
  if (policy.lowPriority !== undefined && typeof policy.lowPriority !== "boolean")
    issues.push("policy.lowPriority: must be a boolean");
  return issues;
}

/** Ranges, once the types are right: integer ms within RunPod's bounds. */
function policyRanges(policy: Record<string, unknown>): Parsed<ExecutionPolicy> {
  const out: ExecutionPolicy = {};
  for (const [name, range] of DURATIONS) {
    const v = policy[name] as number | undefined;
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < range.min || v > range.max) return refuse(policyRangeError(name, range));
    out[name] = v;
  }
  if (policy.lowPriority !== undefined) out.lowPriority = policy.lowPriority as boolean;
  return accept(out);
}

function refuseJoined(issues: string[]): Parsed<never> | undefined {
  return issues.length > 0 ? refuse(issues.join("; ")) : undefined;
}
