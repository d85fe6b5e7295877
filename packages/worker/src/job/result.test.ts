import { describe, expect, it } from "vitest";
import { mapReturnValue } from "./result.js";

describe("mapReturnValue (docs/protocol.md §11.2)", () => {
  it("posts a plain value as output", () => {
    expect(mapReturnValue("hi")).toEqual({ output: "hi" });
    expect(mapReturnValue(3)).toEqual({ output: 3 });
    expect(mapReturnValue(false)).toEqual({ output: false });
    expect(mapReturnValue([1, 2])).toEqual({ output: [1, 2] });
  });

  it("posts undefined and null as a null output", () => {
    expect(mapReturnValue(undefined)).toEqual({ output: null });
    expect(JSON.stringify(mapReturnValue(undefined))).toBe('{"output":null}');
    expect(mapReturnValue(null)).toEqual({ output: null });
  });

  it("does not unwrap a returned output key", () => {
    expect(mapReturnValue({ output: 5 })).toEqual({ output: { output: 5 } });
  });

  it("takes error out of the object and keeps the rest as output", () => {
    expect(mapReturnValue({ error: "bad", partial: 1 })).toEqual({ output: { partial: 1 }, error: "bad" });
  });

  it("drops the output entirely when only error was returned", () => {
    expect(mapReturnValue({ error: "test" })).toEqual({ error: "test" });
  });

  it("drops falsy errors the way Python does (including empty lists and objects)", () => {
    expect(mapReturnValue({ error: "", a: 1 })).toEqual({ output: { a: 1 } });
    expect(mapReturnValue({ error: null, a: 1 })).toEqual({ output: { a: 1 } });
    expect(mapReturnValue({ error: [], a: 1 })).toEqual({ output: { a: 1 } });
    expect(mapReturnValue({ error: {}, a: 1 })).toEqual({ output: { a: 1 } });
  });

  it("keeps non-string truthy errors as they are", () => {
    expect(mapReturnValue({ error: { code: 7 } })).toEqual({ error: { code: 7 } });
  });

  it("turns refresh_worker into stopPod and removes it from the output", () => {
    expect(mapReturnValue({ refresh_worker: true })).toEqual({ stopPod: true });
    expect(mapReturnValue({ refresh_worker: true, x: 1 })).toEqual({ output: { x: 1 }, stopPod: true });
    expect(mapReturnValue({ refresh_worker: false, x: 1 })).toEqual({ output: { x: 1 } });
  });

  it("drops an empty object output", () => {
    expect(mapReturnValue({})).toEqual({});
    expect("output" in mapReturnValue({})).toBe(false);
  });

  it("treats class instances and arrays as plain output (no popping)", () => {
    const date = new Date(0);
    expect(mapReturnValue(date)).toEqual({ output: date });
    class Result {
      error = "not popped";
    }
    expect(mapReturnValue(new Result())).toEqual({ output: new Result() });
  });

  it("does not mutate the returned object", () => {
    const returned = { error: "e", refresh_worker: true, keep: 1 };
    mapReturnValue(returned);
    expect(returned).toEqual({ error: "e", refresh_worker: true, keep: 1 });
  });
});
