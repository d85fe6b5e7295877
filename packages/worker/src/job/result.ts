import type { ResultBody } from "../types.js";
import { isPlainObject, isPythonTruthy } from "./kind.js";

/**
 * Maps a non-stream handler's return value to the job-done body (docs/protocol.md §11.2):
 * `error` and `refresh_worker` are taken out of a returned plain object, the rest becomes `output`
 * (never unwrapped: `{output: x}` is posted as `{output: {output: x}}`), and an empty `{}` output is dropped.
 */
export function mapReturnValue(value: unknown): ResultBody {
  const body: ResultBody = {};
  if (isPlainObject(value)) {
    const { error, refresh_worker: refreshWorker, ...rest } = value;
    body.output = rest;
    if (isPythonTruthy(error)) body.error = error;
    if (isPythonTruthy(refreshWorker)) body.stopPod = true;
  } else {
    // `undefined` has no JSON form; Python's None is posted as null.
    body.output = value === undefined ? null : value;
  }
  if (isPlainObject(body.output) && Object.keys(body.output).length === 0) delete body.output;
  return body;
}
