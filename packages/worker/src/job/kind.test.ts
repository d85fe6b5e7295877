import { describe, expect, it } from "vitest";
import { isPlainObject, isPythonTruthy, isStreamIterator, isThenable } from "./kind.js";

describe("handler kind detection", () => {
  it("streams generator objects, sync and async", () => {
    function* gen(): Generator<number> {
      yield 1;
    }
    async function* agen(): AsyncGenerator<number> {
      yield 1;
    }
    expect(isStreamIterator(gen())).toBe(true);
    expect(isStreamIterator(agen())).toBe(true);
    expect(isStreamIterator([1, 2][Symbol.iterator]())).toBe(true);
  });

  it("does not stream iterables that are not iterators", () => {
    expect(isStreamIterator([1, 2])).toBe(false);
    expect(isStreamIterator("abc")).toBe(false);
    expect(isStreamIterator(new Map())).toBe(false);
    expect(isStreamIterator(new Set([1]))).toBe(false);
    expect(isStreamIterator(new Uint8Array(2))).toBe(false);
    expect(isStreamIterator({ next: () => ({ done: true }) })).toBe(false);
    expect(isStreamIterator(null)).toBe(false);
  });

  it("recognises thenables", () => {
    expect(isThenable(Promise.resolve(1))).toBe(true);
    // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is what is being detected
    expect(isThenable({ then: () => {} })).toBe(true);
    // biome-ignore lint/suspicious/noThenProperty: a non-callable then must not count as thenable
    expect(isThenable({ then: 1 })).toBe(false);
    expect(isThenable(1)).toBe(false);
  });

  it("judges plain objects and truthiness like Python dicts", () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPythonTruthy([])).toBe(false);
    expect(isPythonTruthy({})).toBe(false);
    expect(isPythonTruthy([0])).toBe(true);
    expect(isPythonTruthy("x")).toBe(true);
    expect(isPythonTruthy(0)).toBe(false);
  });
});
