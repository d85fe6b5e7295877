/** The client's reads: status, the long-polls on a job (`/runsync`, `/status?wait`, `/stream`), lists and health. */
import { isTerminal, type JobRecord, type JobStatus, type JobSummary, type JobView } from "../domain/job.js";
import { LIST_RECENT_MAX } from "../store/job-store.js";
import { type EngineCore, findJob, viewWithHint } from "./core.js";
import { jobKey } from "./keys.js";
import type { HealthView, ListRecentRequest } from "./platform.js";
import { toSummary } from "./view.js";
import { clampWait } from "./waiters.js";
import { type WorkerInfo, WorkerRegistry } from "./workers.js";

const MAX_WAIT_MS = 300_000;
const LIST_RECENT_DEFAULT = 50;

export async function status(
  core: EngineCore,
  endpointId: string,
  jobId: string,
): Promise<JobView | undefined> {
  const job = await findJob(core, endpointId, jobId);
  return job && viewWithHint(core, job);
}

/** A wake-up's detail that is the terminal record of this job on this endpoint (see `JobEvents.terminal`). */
function isTerminalRecordOf(detail: unknown, endpointId: string, jobId: string): detail is JobRecord {
  if (typeof detail !== "object" || detail === null) return false;
  const job = detail as JobRecord;
  return job.id === jobId && job.endpointId === endpointId && isTerminal(job.status);
}

export async function waitForTerminal(
  core: EngineCore,
  endpointId: string,
  jobId: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<JobView | undefined> {
  const deadline = Date.now() + clampWait(waitMs, MAX_WAIT_MS);
  // The terminal record the wake-up carried (committed before the notify): no store read to learn it again.
  let handed: JobRecord | undefined;
  for (;;) {
    const seen = core.waiters.stamp(jobKey(jobId));
    const job = handed ?? (await findJob(core, endpointId, jobId));
    if (!job) return undefined;
    const left = deadline - Date.now();
    if (isTerminal(job.status) || left <= 0 || signal?.aborted || core.stopped())
      return viewWithHint(core, job);
    const { detail } = await core.waiters.waitWake(jobKey(jobId), seen, left, signal);
    handed = isTerminalRecordOf(detail, endpointId, jobId) ? detail : undefined;
  }
}

export async function drainStream(
  core: EngineCore,
  endpointId: string,
  jobId: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<{ status: JobStatus; stream: { output: unknown }[] } | undefined> {
  if (!(await findJob(core, endpointId, jobId))) return undefined;
  const deadline = Date.now() + clampWait(waitMs, MAX_WAIT_MS);
  for (;;) {
    const seen = core.waiters.stamp(jobKey(jobId));
    const r = await core.jobs.drain(jobId);
    if (!r) return undefined;
    const stream = r.chunks.map((c) => ({ output: c.output }));
    const left = deadline - Date.now();
    if (stream.length > 0 || isTerminal(r.job.status) || left <= 0 || signal?.aborted || core.stopped()) {
      return { status: r.job.status, stream };
    }
    await core.waiters.waitChange(jobKey(jobId), seen, left, signal);
  }
}

export async function listRecent(
  core: EngineCore,
  endpointId: string,
  request: ListRecentRequest,
): Promise<JobSummary[]> {
  if (!core.endpoints.get(endpointId)) return [];
  const limit = Math.min(Math.max(request.limit ?? LIST_RECENT_DEFAULT, 1), LIST_RECENT_MAX);
  const jobs = await core.jobs.listRecent(endpointId, {
    limit,
    ...(request.status ? { status: request.status } : {}),
  });
  const now = core.clock();
  return jobs.map((j) => toSummary(j, now));
}

export async function listWorkers(core: EngineCore, endpointId: string): Promise<WorkerInfo[]> {
  const loads = await core.jobs.workerLoads(endpointId);
  return core.workers.list(endpointId, loads, core.clock());
}

export async function health(core: EngineCore, endpointId: string): Promise<HealthView> {
  const [counts, workers] = await Promise.all([core.jobs.counts(endpointId), listWorkers(core, endpointId)]);
  const view: HealthView = { jobs: counts, workers: WorkerRegistry.summarize(workers) };
  const hints = workers.filter((w) => w.state === "unhealthy").map(WorkerRegistry.describeUnhealthy);
  if (hints.length > 0) view.hints = hints;
  return view;
}
