/**
 * The body of `PATCH /admin/v1/endpoints/{ep}/scaling` (docs/api.md, "Admin API"): any of the scaling settings,
 * with the config file's ranges. Every bad field is named, in settings order, then the unknown keys
 * (`workersMax: must be ≥ 0; unknown key "bogus"`). Whether `workersMin ≤ workersMax` holds depends on the
 * settings in force, so the server checks that after this.
 */
import type { ScalerType, ScalingPatch } from "./admin.js";
import { accept, isPlainObject, type Parsed, refuse } from "./parsed.js";
import { RUN_BODY_NOT_OBJECT } from "./run-request.js";

/** The settings a patch may change, in the order their errors are told. */
export const SCALING_KEYS = [
  "workersMin",
  "workersMax",
  "idleTimeoutS",
  "scalerType",
  "scalerValue",
] as const;

export const SCALING_PATCH_EMPTY = `nothing to change: set one of ${SCALING_KEYS.join(", ")}`;

/**
 * The range of each integer scaling setting, inclusive: the one rule for the config file, the endpoint's resolved
 * settings and this run-time change.
 */
export const SCALING_RANGES = {
  workersMin: [0, 1000],
  workersMax: [0, 1000],
  idleTimeoutS: [1, 3600],
  scalerValue: [1, 1_000_000],
} as const satisfies Readonly<Record<string, readonly [number, number]>>;
export const SCALER_TYPES = ["QUEUE_DELAY", "REQUEST_COUNT"] as const satisfies readonly ScalerType[];
const RANGES: Readonly<Record<string, readonly [number, number]>> = SCALING_RANGES;

/** What is wrong with one integer setting, if anything: not a number, not an integer, out of range. */
function integerIssues(v: unknown, [min, max]: readonly [number, number]): string[] {
  if (typeof v !== "number" || !Number.isFinite(v)) return ["must be a number"];
  if (!Number.isInteger(v)) return ["must be an integer"];
  const out: string[] = [];
  // Past 2^53 an integer is no longer exact: said first, then the setting's own range.
  if (v < Number.MIN_SAFE_INTEGER) out.push(`must be ≥ ${Number.MIN_SAFE_INTEGER}`);
  if (v > Number.MAX_SAFE_INTEGER) out.push(`must be ≤ ${Number.MAX_SAFE_INTEGER}`);
  if (v < min) out.push(`must be ≥ ${min}`);
  if (v > max) out.push(`must be ≤ ${max}`);
  return out;
}

/** A scaling change as a client sends it: an object with at least one setting, each within its range. */
export function parseScalingPatch(body: unknown): Parsed<ScalingPatch> {
  if (!isPlainObject(body)) return refuse(RUN_BODY_NOT_OBJECT);
  const issues: string[] = [];
  const patch: Record<string, unknown> = {};
  for (const key of SCALING_KEYS) {
    const v = body[key];
    if (v === undefined) continue;
    const range = RANGES[key];
    const wrong = range
      ? integerIssues(v, range)
      : (SCALER_TYPES as readonly unknown[]).includes(v)
        ? []
        : [`must be one of ${SCALER_TYPES.map((t) => JSON.stringify(t)).join(", ")}`];
    issues.push(...wrong.map((w) => `${key}: ${w}`));
    patch[key] = v;
  }
  const known: readonly string[] = SCALING_KEYS;
  const unknown = Object.keys(body).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    issues.push(`unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}`);
  if (issues.length > 0) return refuse(issues.join("; "));
  if (Object.keys(patch).length === 0) return refuse(SCALING_PATCH_EMPTY);
  return accept(patch as ScalingPatch);
}
