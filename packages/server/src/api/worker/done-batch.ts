/**
 * Gantry extension: `job-done-batch` posts many results in one request. At high concurrency no-op jobs
 * taken together finish together, and each separate job-done costs far more server CPU in HTTP handling than in
 * applying its result; one request for all of them, applied in one event-loop turn, also shares one group commit.
 * RunPod's protocol is untouched: our SDK uses this route only against a server that sent `X-Gantry-Version`.
 */
import { isValidId, type ResultBatchItem } from "@gantry/protocol";
import type { Platform } from "../../engine/platform.js";

export type BatchResult = { id: string; ok: true } | { id: string; ok: false; status: number; error: string };

/**
 * Applies every result exactly as job-done does (same engine call, same refusals). All calls start in this turn,
 * so on SQLite their writes join one group commit; each settles only after the commit holding it.
 */
export async function applyDoneBatch(
  platform: Platform,
  endpointId: string,
  workerId: string,
  items: readonly ResultBatchItem[],
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
