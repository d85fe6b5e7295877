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

  it.each([
    [null, /JSON object/],
    [[1], /JSON object/],
    [{ workersMax: -1 }, /workersMax must be an integer between 0 and 1000, got -1/],
    [{ workersMax: 1.5 }, /workersMax must be an integer/],
    [{ idleTimeoutS: 0 }, /idleTimeoutS must be an integer between 1 and 3600/],
    [{ scalerValue: "4" }, /scalerValue must be an integer/],
    [{ scalerType: "CPU" }, /scalerType must be QUEUE_DELAY or REQUEST_COUNT/],
    [{ workersMin: 5 }, /workersMin \(5\) exceeds workersMax \(3\)/],
    [{ workerMax: 5 }, /unknown scaling setting workerMax/],
  ])("rejects %j", (patch, message) => {
    expect(() => applyScalingPatch(base, patch)).toThrow(ScalingSettingsError);
    expect(() => applyScalingPatch(base, patch)).toThrow(message);
  });
});
