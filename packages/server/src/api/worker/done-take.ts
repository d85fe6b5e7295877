/**
 * Gantry extension of job-done: `?take=N` on a result post also hands the worker up to N new jobs, in
 * the answer `{"jobs":[…]}`, so a worker finishing a job and fetching the next costs one request, not two (as a
 * BullMQ worker's single Redis call does). RunPod's protocol is untouched: without `take` the answer stays `{}`,
 * and our SDK sends `take` only to a server that answered with `X-Gantry-Version`.
 */
import type { Delivery } from "../http/delivery.js";
import type { RouteDeps } from "../http/deps.js";
import { handOut } from "./hand-out.js";

/**
 * Answers an accepted result post that asked for `max` jobs. It never holds: an empty queue answers
 * `{"jobs":[]}` at once and the worker returns to its job-take long-poll. `takeNothing` covers what must not
 * take (a progress post, stopPod); a server shutting down takes nothing either, and a worker being recycled is
 * refused by the engine's take as on job-take.
 */
export async function answerWithJobs(
  delivery: Delivery,
  deps: RouteDeps,
  ids: { endpointId: string; workerId: string },
  max: number,
  takeNothing: boolean,
  /** Fields answered beside `jobs` (job-done-batch's `results`). */
  extra: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  if (takeNothing || deps.shutdown.aborted) return { ...extra, jobs: [] };
  const taken = await deps.platform.take(ids.endpointId, ids.workerId, max, 0);
  const jobs = await handOut(delivery, deps, ids, taken, max, "job-done");
  return { ...extra, jobs };
}
