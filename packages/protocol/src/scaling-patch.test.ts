import { describe, expect, it } from "vitest";
import { parseScalingPatch, SCALING_PATCH_EMPTY } from "./scaling-patch.js";

const refused = (error: string) => ({ ok: false, error });

describe("parseScalingPatch", () => {
  it("accepts any of the settings within range, in settings order", () => {
    expect(parseScalingPatch({ scalerType: "REQUEST_COUNT", workersMax: 3 })).toEqual({
      ok: true,
      value: { workersMax: 3, scalerType: "REQUEST_COUNT" },
    });
    const edges = {
      workersMin: 0,
      workersMax: 1000,
      idleTimeoutS: 3600,
      scalerType: "QUEUE_DELAY",
      scalerValue: 1,
    };
    expect(parseScalingPatch(edges)).toEqual({ ok: true, value: edges });
    expect(parseScalingPatch({ idleTimeoutS: 1, scalerValue: 1_000_000 })).toEqual({
      ok: true,
      value: { idleTimeoutS: 1, scalerValue: 1_000_000 },
    });
  });

  it("refuses a body that is not an object as a /run body is refused", () => {
    for (const b of [null, [1], "x", 5, true])
      expect(parseScalingPatch(b)).toEqual(refused("json is invalid: body must be a JSON object"));
  });

  it("refuses an empty change, naming the settings", () => {
    expect(SCALING_PATCH_EMPTY).toBe(
      "nothing to change: set one of workersMin, workersMax, idleTimeoutS, scalerType, scalerValue",
    );
    expect(parseScalingPatch({})).toEqual(refused(SCALING_PATCH_EMPTY));
  });

  it("names one problem per field: type, integer, range", () => {
    expect(parseScalingPatch({ workersMax: -1 })).toEqual(refused("workersMax: must be ≥ 0"));
    expect(parseScalingPatch({ idleTimeoutS: 3601 })).toEqual(refused("idleTimeoutS: must be ≤ 3600"));
    expect(parseScalingPatch({ scalerValue: 0 })).toEqual(refused("scalerValue: must be ≥ 1"));
    expect(parseScalingPatch({ workersMin: -1.5 })).toEqual(refused("workersMin: must be an integer"));
    for (const v of ["3", null, true, [], {}, Number.POSITIVE_INFINITY, Number.NaN])
      expect(parseScalingPatch({ workersMax: v })).toEqual(refused("workersMax: must be a number"));
    for (const v of ["FAST", "queue_delay", 5, null])
      expect(parseScalingPatch({ scalerType: v })).toEqual(
        refused('scalerType: must be one of "QUEUE_DELAY", "REQUEST_COUNT"'),
      );
  });

  it("says an integer past 2^53 is inexact before saying it is out of range", () => {
    expect(parseScalingPatch({ workersMax: 1e21 })).toEqual(
      refused("workersMax: must be ≤ 9007199254740991; workersMax: must be ≤ 1000"),
    );
    expect(parseScalingPatch({ workersMin: -1e21 })).toEqual(
      refused("workersMin: must be ≥ -9007199254740991; workersMin: must be ≥ 0"),
    );
  });

  it("reports every bad field in settings order, then the unknown keys", () => {
    expect(
      parseScalingPatch({
        zz: 1,
        scalerValue: null,
        workersMax: -3,
        workersMin: 1001,
        scalerType: 1,
        idleTimeoutS: "x",
        bogus: 2,
      }),
    ).toEqual(
      refused(
        "workersMin: must be ≤ 1000; workersMax: must be ≥ 0; idleTimeoutS: must be a number; " +
          'scalerType: must be one of "QUEUE_DELAY", "REQUEST_COUNT"; scalerValue: must be a number; ' +
          'unknown keys "zz", "bogus"',
      ),
    );
    expect(parseScalingPatch({ workersMax: 2, bogus: 1 })).toEqual(refused('unknown key "bogus"'));
    expect(parseScalingPatch(JSON.parse('{"__proto__": 1}'))).toEqual(refused('unknown key "__proto__"'));
  });
});
