/**
 * Run-time changes to an endpoint's scaling settings (admin API). The change arrives parsed (each setting within
 * its range: `parseScalingPatch` of @gantry/protocol, at the HTTP edge); what only the whole can say is checked
 * here: the settings after it must still hold together. Pure; throws `ScalingSettingsError` with a precise message.
 */
import type { ScalingPatch } from "@gantry/protocol";
import type { EndpointScaling } from "../domain/endpoint.js";

export class ScalingSettingsError extends Error {
  override name = "ScalingSettingsError";
}

export function applyScalingPatch(current: EndpointScaling, patch: ScalingPatch): EndpointScaling {
  const next: EndpointScaling = { ...current };
  if (patch.workersMin !== undefined) next.workersMin = patch.workersMin;
  if (patch.workersMax !== undefined) next.workersMax = patch.workersMax;
  if (patch.idleTimeoutS !== undefined) next.idleTimeoutS = patch.idleTimeoutS;
  if (patch.scalerType !== undefined) next.scalerType = patch.scalerType;
  if (patch.scalerValue !== undefined) next.scalerValue = patch.scalerValue;
  if (next.workersMin > next.workersMax) {
    throw new ScalingSettingsError(`workersMin (${next.workersMin}) exceeds workersMax (${next.workersMax})`);
  }
  return next;
}
