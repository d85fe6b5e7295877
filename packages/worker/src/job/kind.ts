/**
 * What a handler returned decides how it runs. Arrays, strings, Maps and Sets are iterable too, but the
 * platform expects them as plain output (Python posts a returned list as `output`), so only objects
 * that are iterators themselves (a `next` method plus an iterator symbol, as generator objects have) stream.
 */

export type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

export function isStreamIterator(value: unknown): value is AnyIterator {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  const candidate = value as Record<PropertyKey, unknown>;
  if (typeof candidate.next !== "function") return false;
  return (
    typeof candidate[Symbol.iterator] === "function" || typeof candidate[Symbol.asyncIterator] === "function"
  );
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  return typeof (value as { then?: unknown }).then === "function";
}

/** A JSON object literal (what Python would see as a dict), as opposed to arrays, class instances, Dates. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Python truthiness, so `error` / `refresh_worker` / stream error chunks are judged as the Python SDK judges
 * them (an empty list or dict is falsy there, but truthy in JavaScript).
 */
export function isPythonTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}
