/**
 * Run-time changes to an endpoint's scaling settings (admin API): a partial patch, validated as strictly as
 * the config file, applied to the current settings. Pure; throws `ScalingSettingsError` with a precise message.
 */
import type { EndpointScaling } from "../domain/endpoint.js";

export class ScalingSettingsError extends Error {
  override name = "ScalingSettingsError";
}

const RANGES = {
  workersMin: [0, 1000],
  workersMax: [0, 1000],
  idleTimeoutS: [1, 3600],
  scalerValue: [1, 1_000_000],
} as const;

const KEYS = new Set(["workersMin", "workersMax", "idleTimeoutS", "scalerType", "scalerValue"]);

export function applyScalingPatch(current: EndpointScaling, patch: unknown): EndpointScaling {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) {
    throw new ScalingSettingsError("scaling settings must be a JSON object");
  }
  const p = patch as Record<string, unknown>;
  const unknown = Object.keys(p).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) {
    throw new ScalingSettingsError(
      `unknown scaling setting${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`,
    );
  }
  const next: EndpointScaling = { ...current };
  for (const [name, [min, max]] of Object.entries(RANGES) as [
    keyof typeof RANGES,
    readonly [number, number],
  ][]) {
    const v = p[name];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new ScalingSettingsError(
        `${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(v)}`,
      );
    }
    next[name] = v;
  }
  if (p.scalerType !== undefined) {
    if (p.scalerType !== "QUEUE_DELAY" && p.scalerType !== "REQUEST_COUNT") {
      throw new ScalingSettingsError("scalerType must be QUEUE_DELAY or REQUEST_COUNT");
    }
    next.scalerType = p.scalerType;
  }
  if (next.workersMin > next.workersMax) {
    throw new ScalingSettingsError(`workersMin (${next.workersMin}) exceeds workersMax (${next.workersMax})`);
  }
  return next;
}
