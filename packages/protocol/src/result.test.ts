import { describe, expect, it } from "vitest";
import { parseResultBatch, parseResultBody, RESULT_NOT_OBJECT } from "./result.js";

describe("parseResultBody", () => {
  it("keeps output, error, stopPod and status; drops the rest and a stopPod that is not true", () => {
    expect(parseResultBody({ output: null, error: "e", stopPod: true, status: "IN_PROGRESS", x: 1 })).toEqual(
      {
        ok: true,
        value: { output: null, error: "e", stopPod: true, status: "IN_PROGRESS" },
      },
    );
    expect(parseResultBody({ stopPod: "yes", error: undefined })).toEqual({ ok: true, value: {} });
    expect(parseResultBody({})).toEqual({ ok: true, value: {} });
  });

  it("refuses a body that is not an object, and a status that is not a string", () => {
    for (const body of [null, [1], "x", 3])
      expect(parseResultBody(body)).toEqual({ ok: false, error: RESULT_NOT_OBJECT });
    expect(RESULT_NOT_OBJECT).toBe("json is invalid: body must be a JSON object");
    expect(parseResultBody({ status: 5 })).toEqual({ ok: false, error: "status: must be a string" });
  });
});

describe("parseResultBatch", () => {
  it("gives each item's id, isStream and fields, in order", () => {
    expect(
      parseResultBatch(
        [
          { id: "a", output: 1 },
          { id: "b", isStream: true, error: "x" },
        ],
        2,
      ),
    ).toEqual({
      ok: true,
      value: [
        { id: "a", isStream: false, done: { output: 1 } },
        { id: "b", isStream: true, done: { error: "x" } },
      ],
    });
    // Any non-empty id: an id no job can have is that item's "not found", not the batch's refusal.
    expect(parseResultBatch([{ id: "a.b" }], 1)).toMatchObject({ ok: true });
  });

  it("refuses the whole batch for one bad item, naming it", () => {
    const ok = { id: "a", output: 1 };
    const cases: [unknown, string][] = [
      [{ id: "a" }, "json is invalid: body must be a JSON array of results"],
      [[], "batch must hold between 1 and 2 results; got 0"],
      [[ok, ok, ok], "batch must hold between 1 and 2 results; got 3"],
      [[ok, "x"], "item 1: must be a JSON object"],
      [[{ output: 1 }], "item 0: id: must be a job id"],
      [[{ id: "" }], "item 0: id: must be a job id"],
      [[ok, { id: "b", isStream: "true" }], "item 1: isStream: must be a boolean"],
      [[{ id: "b", status: 1 }], "item 0: status: must be a string"],
      [
        [{ id: "b", status: "IN_PROGRESS" }],
        "item 0: progress updates (status IN_PROGRESS) cannot be batched; use job-done",
      ],
    ];
    for (const [body, error] of cases)
      expect(parseResultBatch(body, 2), JSON.stringify(body)).toEqual({ ok: false, error });
  });
});
