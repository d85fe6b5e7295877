import { describe, expect, it } from "vitest";
import { version } from "../version.js";
import {
  errorInfoFromThrown,
  errorStringFromThrown,
  generatorErrorString,
  pythonJsonDumps,
  pythonTypeRepr,
} from "./error-info.js";

describe("error info of a thrown handler error (docs/protocol.md §11.3)", () => {
  it("names the type in Python's repr form", () => {
    expect(pythonTypeRepr(new TypeError("x"))).toBe("<class 'TypeError'>");
    expect(pythonTypeRepr(new Error("x"))).toBe("<class 'Error'>");
    class ModelError extends Error {
      override name = "ModelError";
    }
    expect(pythonTypeRepr(new ModelError("x"))).toBe("<class 'ModelError'>");
    expect(pythonTypeRepr("oops")).toBe("<class 'string'>");
  });

  it("fills every key, in Python's order, from the environment", () => {
    const err = new RangeError("too big");
    const info = errorInfoFromThrown(err, { RUNPOD_POD_HOSTNAME: "host-a", RUNPOD_POD_ID: "pod-9" });
    expect(Object.keys(info)).toEqual([
      "error_type",
      "error_message",
      "error_traceback",
      "hostname",
      "worker_id",
      "runpod_version",
    ]);
    expect(info).toMatchObject({
      error_type: "<class 'RangeError'>",
      error_message: "too big",
      hostname: "host-a",
      worker_id: "pod-9",
      runpod_version: version,
    });
    expect(info.error_traceback).toContain("RangeError: too big");
    expect(info.error_traceback).toContain("error-info.test.ts");
  });

  it('uses "unknown" when the pod env vars are absent', () => {
    const info = errorInfoFromThrown(new Error("x"), {});
    expect(info.hostname).toBe("unknown");
    expect(info.worker_id).toBe("unknown");
  });

  it("handles thrown non-errors", () => {
    const info = errorInfoFromThrown({ code: 1 }, {});
    expect(info.error_type).toBe("<class 'Object'>");
    expect(info.error_message).toBe('{"code":1}');
    expect(errorInfoFromThrown(undefined, {}).error_message).toBe("undefined");
  });

  it("serialises as a JSON string with Python's separators and ASCII escaping", () => {
    expect(pythonJsonDumps({ a: "héllo", b: 'q"' })).toBe('{"a": "h\\u00e9llo", "b": "q\\""}');
    const text = errorStringFromThrown(new Error("boom ✓"), {});
    expect(text.startsWith('{"error_type": "<class \'Error\'>", "error_message": "boom \\u2713"')).toBe(true);
    const parsed = JSON.parse(text);
    expect(parsed.error_message).toBe("boom ✓");
    expect(parsed.worker_id).toBe("unknown");
  });

  it("formats a generator error as the plain handler/traceback string", () => {
    const err = new Error("gen failed");
    expect(generatorErrorString(err)).toBe(`handler: gen failed \ntraceback: ${err.stack}`);
  });
});
