/**
 * The body of a worker's job-done post (docs/protocol.md), and of job-done-batch (Gantry extension): a JSON object
 * of which a server acts on `output`, `error`, `stopPod` and `status`; other fields are ignored. `status` is any
 * string, of which only `"IN_PROGRESS"` (a progress update) means something.
 */
import { accept, isPlainObject, type Parsed, refuse } from "./parsed.js";

/** The fields of a result a server acts on. */
export interface ResultFields {
  output?: unknown;
  error?: unknown;
  stopPod?: true;
  status?: string;
}

/** One result of a job-done-batch body. */
export interface ResultBatchItem {
  id: string;
  isStream: boolean;
  done: ResultFields;
}

export const RESULT_NOT_OBJECT = "json is invalid: body must be a JSON object";
export const RESULT_BATCH_NOT_ARRAY = "json is invalid: body must be a JSON array of results";

/** A job-done body; `where` prefixes each message (`"item 3: "` in a batch) so a refusal names its part. */
export function parseResultBody(body: unknown, where = ""): Parsed<ResultFields> {
  if (!isPlainObject(body)) return refuse(where === "" ? RESULT_NOT_OBJECT : `${where}must be a JSON object`);
  const done: ResultFields = {};
  if (Object.hasOwn(body, "output")) done.output = body.output;
  if (Object.hasOwn(body, "error") && body.error !== undefined) done.error = body.error;
  if (body.stopPod === true) done.stopPod = true;
  if (body.status !== undefined) {
    if (typeof body.status !== "string") return refuse(`${where}status: must be a string`);
    done.status = body.status;
  }
  return accept(done);
}

/**
 * A job-done-batch body of 1…`maxItems` results. One bad item refuses the whole batch, so a worker never has to
 * work out which half went through. A progress update cannot be batched: it must precede its job's result, which
 * a batch (applied concurrently) would not guarantee. An id is only checked to be a non-empty string here: one of
 * a shape no job has is that item's "not found", as it is on job-done's path.
 */
export function parseResultBatch(body: unknown, maxItems: number): Parsed<ResultBatchItem[]> {
  if (!Array.isArray(body)) return refuse(RESULT_BATCH_NOT_ARRAY);
  if (body.length === 0 || body.length > maxItems)
    return refuse(`batch must hold between 1 and ${maxItems} results; got ${body.length}`);
  const items: ResultBatchItem[] = [];
  for (const [i, raw] of body.entries()) {
    const where = `item ${i}: `;
    if (!isPlainObject(raw)) return refuse(`${where}must be a JSON object`);
    if (typeof raw.id !== "string" || raw.id === "") return refuse(`${where}id: must be a job id`);
    if (raw.isStream !== undefined && typeof raw.isStream !== "boolean")
      return refuse(`${where}isStream: must be a boolean`);
    const done = parseResultBody(raw, where);
    if (!done.ok) return done;
    if (done.value.status === "IN_PROGRESS")
      return refuse(`${where}progress updates (status IN_PROGRESS) cannot be batched; use job-done`);
    items.push({ id: raw.id, isStream: raw.isStream === true, done: done.value });
  }
  return accept(items);
}
