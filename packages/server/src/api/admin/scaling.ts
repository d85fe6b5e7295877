/**
 * A change of `PATCH /admin/v1/endpoints/{ep}/scaling` (parsed by @gantry/protocol's `parseScalingPatch`) checked
 * against the current settings as a whole (workersMin ≤ workersMax against the current values).
 */
import type { ScalingPatch, ScalingSettings } from "@gantry/protocol";
import { applyScalingPatch, ScalingSettingsError } from "../../scaling/settings.js";
import { ApiError } from "../http/errors.js";

/** The settings after `patch`, or a 400 when they do not hold together. */
export function checkScalingPatch(current: ScalingSettings, patch: ScalingPatch): ScalingSettings {
  try {
    return applyScalingPatch(current, patch);
  } catch (e) {
    if (e instanceof ScalingSettingsError) throw new ApiError(400, e.message);
    throw e;
  }
}
