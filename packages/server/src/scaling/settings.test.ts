import { describe, expect, it } from "vitest";
import type { EndpointScaling } from "../domain/endpoint.js";
import { applyScalingPatch, ScalingSettingsError } from "./settings.js";

const base: EndpointScaling = {
  workersMin: 0,
  workersMax: 3,
  idleTimeoutS: 5,
  scalerType: "QUEUE_DELAY",
  scalerValue: 4,
};

describe("applyScalingPatch", () => {
  it("applies a partial change and leaves the rest", () => {
    expect(applyScalingPatch(base, { workersMax: 10, scalerType: "REQUEST_COUNT" })).toEqual({
      ...base,
      workersMax: 10,
      scalerType: "REQUEST_COUNT",
    });
    expect(base.workersMax).toBe(3);
  });

  it("refuses a change that leaves workersMin above workersMax, naming both", () => {
    expect(() => applyScalingPatch(base, { workersMin: 5 })).toThrow(ScalingSettingsError);
    expect(() => applyScalingPatch(base, { workersMin: 5 })).toThrow(
      /workersMin \(5\) exceeds workersMax \(3\)/,
    );
    expect(applyScalingPatch(base, { workersMin: 5, workersMax: 5 })).toMatchObject({
      workersMin: 5,
      workersMax: 5,
    });
  });
});
