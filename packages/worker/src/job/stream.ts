import type { ResultBody } from "../types.js";
import { generatorErrorString } from "./error-info.js";
import { type AnyIterator, isPlainObject, isPythonTruthy } from "./kind.js";

/** Text of an error chunk's `error`, as Python's `str()` would give for the common cases. */
function errorText(error: unknown): string {
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

async function closeQuietly(iterator: AnyIterator): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // The stream already has its final result; a failing cleanup must not replace it.
  }
}

/**
 * Drives a handler's iterator (docs/protocol.md §11.4): each value is handed to `onChunk` in order and
 * awaited before the iterator resumes (back-pressure); a value with a truthy `error` ends the stream without
 * being posted; a throw ends it with the plain-string generator error. The final body carries `[]`, or every
 * chunk when aggregating.
 */
export async function runStream(
  iterator: AnyIterator,
  options: { aggregate: boolean; signal?: AbortSignal },
  onChunk: (output: unknown) => Promise<void>,
): Promise<ResultBody> {
  const chunks: unknown[] = [];
  try {
    for (;;) {
      if (options.signal?.aborted) {
        await closeQuietly(iterator);
        return { error: generatorErrorString(options.signal.reason ?? new Error("job aborted")) };
      }
      const step = await iterator.next();
      if (step.done) break;
      const value = step.value;
      if (isPlainObject(value) && isPythonTruthy(value.error)) {
        await closeQuietly(iterator);
        return { error: errorText(value.error) };
      }
      await onChunk(value);
      if (options.aggregate) chunks.push(value);
    }
  } catch (thrown) {
    return { error: generatorErrorString(thrown) };
  }
  return { output: options.aggregate ? chunks : [] };
}
