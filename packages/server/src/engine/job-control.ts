/** The client's changes to a job or queue: `/cancel`, `/retry`, `/purge-queue`. */
import type { JobView } from "../domain/job.js";
import { type EngineCore, findJob, viewOf } from "./core.js";
import { fail, ok } from "./outcome.js";
import type { Outcome } from "./platform.js";

export async function cancel(
  core: EngineCore,
  endpointId: string,
  jobId: string,
): Promise<JobView | undefined> {
  if (!(await findJob(core, endpointId, jobId))) return undefined;
  const r = await core.jobs.cancel(jobId, core.clock());
  if (r.ok) {
    core.log.info({ jobId, previous: r.previous }, "job cancelled");
    if (r.previous === "IN_PROGRESS" && r.job.workerId) core.events.stop(r.job.workerId, jobId);
    core.events.terminal(r.job);
    return viewOf(core, r.job);
  }
  return r.job && viewOf(core, r.job);
}

export async function retry(core: EngineCore, endpointId: string, jobId: string): Promise<Outcome<JobView>> {
  const job = await findJob(core, endpointId, jobId);
  if (!job) return fail(404, `job ${jobId} not found`);
  const r = await core.jobs.retry(jobId);
  if (!r.ok) {
    if (r.reason === "not-found") return fail(404, `job ${jobId} not found`);
    const status = r.job?.status ?? job.status;
    return fail(400, `job ${jobId} is ${status}; only FAILED or TIMED_OUT jobs can be retried`);
  }
  core.events.queued(r.job);
  return ok(viewOf(core, r.job));
}

export async function purgeQueue(core: EngineCore, endpointId: string): Promise<number> {
  if (!core.endpoints.get(endpointId)) return 0;
  const ids = await core.jobs.purgeQueue(endpointId);
  for (const id of ids) core.events.deleted(id);
  if (ids.length > 0) core.log.info({ endpointId, removed: ids.length }, "queue purged");
  return ids.length;
}
