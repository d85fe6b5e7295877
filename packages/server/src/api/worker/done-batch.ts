/**
 * Gantry extension: `job-done-batch` posts many results in one request. At high concurrency no-op jobs
 * taken together finish together, and each separate job-done costs far more server CPU in HTTP handling than in
 * applying its result; one request for all of them, applied in one event-loop turn, also shares one group commit.
 * RunPod's protocol is untouched: our SDK uses this route only against a server that sent `X-Gantry-Version`.
 */
import type { Platform, WorkerDoneBody } from "../../engine/platform.js";
import { ApiError } from "../http/errors.js";
import { isPlainObject, parseJsonBody } from "../http/json.js";
import { isValidId } from "../http/validate.js";
import { doneBodyOf } from "./done-body.js";

export interface BatchItem {
  id: string;
  isStream: boolean;
  done: WorkerDoneBody;
}

export type BatchResult = { id: string; ok: true } | { id: string; ok: false; status: number; error: string };

/**
 * Parses and checks the whole body before anything is applied: a malformed item refuses the request, so a
 * worker never has to work out which half of a batch went through. A progress post cannot be batched: it must
 * precede its job's result, which a batch (applied concurrently) would not guarantee.
 */
export function parseDoneBatch(text: string, maxItems: number): BatchItem[] {
  const body = parseJsonBody(text, { pythonTokens: true });
  if (!Array.isArray(body)) throw new ApiError(400, "json is invalid: body must be a JSON array of results");
  if (body.length === 0 || body.length > maxItems) {
    throw new ApiError(400, `batch must hold between 1 and ${maxItems} results; got ${body.length}`);
  }
  return body.map((raw, i): BatchItem => {
    const where = `item ${i}: `;
    if (!isPlainObject(raw)) throw new ApiError(400, `${where}must be a JSON object`);
    if (typeof raw.id !== "string" || raw.id === "") throw new ApiError(400, `${where}id: must be a job id`);
    if (raw.isStream !== undefined && typeof raw.isStream !== "boolean") {
      throw new ApiError(400, `${where}isStream: must be a boolean`);
    }
    const done = doneBodyOf(raw, where);
    if (done.status === "IN_PROGRESS") {
      throw new ApiError(
        400,
        `${where}progress updates (status IN_PROGRESS) cannot be batched; use job-done`,
      );
    }
    return { id: raw.id, isStream: raw.isStream === true, done };
  });
}

/**
 * Applies every result exactly as job-done does (same engine call, same refusals). All calls start in this turn,
 * so on SQLite their writes join one group commit; each settles only after the commit holding it.
 */
export async function applyDoneBatch(
  platform: Platform,
  endpointId: string,
  workerId: string,
  items: readonly BatchItem[],
): Promise<BatchResult[]> {
  return Promise.all(
    items.map(async ({ id, isStream, done }): Promise<BatchResult> => {
      // As job-done's path check: an id that cannot exist is a job not found.
      if (!isValidId(id)) return { id, ok: false, status: 404, error: `job ${id} not found` };
      const outcome = await platform.workerDone(endpointId, workerId, id, done, isStream);
      return outcome.ok ? { id, ok: true } : { id, ok: false, status: outcome.code, error: outcome.error };
    }),
  );
}
