/**
 * Jobs a take gave a worker, made safe to answer (job-take, job-take-batch, and job-done's `take`): extras beyond
 * what was asked go back at once, and jobs answered to a connection that closes before the answer is written go
 * back to the queue too, instead of waiting for their lease to lapse and then counting as a retry.
 */
import type { WorkerJob } from "../../engine/platform.js";
import type { Delivery } from "../http/delivery.js";
import type { RouteDeps } from "../http/deps.js";

/** The jobs to answer; empty when the client has already gone (they are back in the queue then). */
export async function handOut(
  delivery: Delivery,
  deps: Pick<RouteDeps, "platform" | "logger">,
  ids: { endpointId: string; workerId: string },
  taken: WorkerJob[],
  max: number,
  /** The route, for the logs. */
  via: string,
): Promise<WorkerJob[]> {
  const { platform, logger } = deps;
  const { endpointId, workerId } = ids;
  let jobs = taken;
  if (jobs.length > max) {
    logger.warn(
      { endpointId, workerId, max, got: jobs.length },
      "take returned more jobs than asked; giving back extras",
    );
    await platform.putBack(
      endpointId,
      workerId,
      jobs.slice(max).map((j) => j.id),
    );
    jobs = jobs.slice(0, max);
  }
  if (jobs.length === 0) return jobs;
  const jobIds = jobs.map((j) => j.id);
  const giveBack = () => {
    logger.info({ endpointId, workerId, jobIds }, `${via} client went away; putting jobs back`);
    platform.putBack(endpointId, workerId, jobIds).catch((err: unknown) => {
      logger.error({ err, endpointId, workerId, jobIds }, "putBack failed");
    });
  };
  if (delivery.gone()) {
    giveBack();
    return [];
  }
  delivery.onLost(giveBack);
  return jobs;
}
