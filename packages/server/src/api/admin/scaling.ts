/**
 * The body of `PATCH /admin/v1/endpoints/{ep}/scaling`: a partial change of the scaling settings with the same
 * ranges as the config file. zod names each bad field; `applyScalingPatch` then checks the settings as a whole
 * (workersMin ≤ workersMax against the current values).
 */
import { z } from "zod";
import { formatIssues } from "../../config/issues.js";
import type { EndpointScaling } from "../../domain/endpoint.js";
import { applyScalingPatch, ScalingSettingsError } from "../../scaling/settings.js";
import { ApiError } from "../http/errors.js";
import { isPlainObject } from "../http/json.js";

const int = () => z.number().int();

export const scalingPatchSchema = z.strictObject({
  workersMin: int().min(0).max(1000).optional(),
  workersMax: int().min(0).max(1000).optional(),
  idleTimeoutS: int().min(1).max(3600).optional(),
  scalerType: z.enum(["QUEUE_DELAY", "REQUEST_COUNT"]).optional(),
  scalerValue: int().min(1).max(1_000_000).optional(),
});

export type ScalingPatch = z.infer<typeof scalingPatchSchema>;

const KEYS = Object.keys(scalingPatchSchema.shape).join(", ");

/** Validates a parsed body; throws a 400 naming every bad field. */
export function parseScalingPatch(body: unknown): ScalingPatch {
  if (!isPlainObject(body)) throw new ApiError(400, "json is invalid: body must be a JSON object");
  const r = scalingPatchSchema.safeParse(body, { reportInput: true });
  if (!r.success) throw new ApiError(400, formatIssues(r.error.issues).join("; "));
  const patch = Object.fromEntries(Object.entries(r.data).filter(([, v]) => v !== undefined)) as ScalingPatch;
  if (Object.keys(patch).length === 0) throw new ApiError(400, `nothing to change: set one of ${KEYS}`);
  return patch;
}

/** The settings after `patch`, or a 400 when they do not hold together. */
export function checkScalingPatch(current: EndpointScaling, patch: ScalingPatch): EndpointScaling {
  try {
    return applyScalingPatch(current, patch);
  } catch (e) {
    if (e instanceof ScalingSettingsError) throw new ApiError(400, e.message);
    throw e;
  }
}
