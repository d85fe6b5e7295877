/**
 * The worker-facing operations: job-take, put-back, job-done, job-stream, ping, job-stop, and the release of a
 * worker known to be gone. Ids, counts and bodies arrive validated from the HTTP edge.
 */
import type { JobRecord } from "../domain/job.js";
import type { EngineCore } from "./core.js";
import { queueKey, recycleKey, stopKey } from "./keys.js";
import { fail, ok } from "./outcome.js";
import type { Outcome, PingReport, WorkerDoneBody, WorkerJob } from "./platform.js";
import { clampWait } from "./waiters.js";

/** Longest `reason` of an unhealthy report the registry keeps (it shows in health hints and logs). */
const MAX_REASON = 512;

function toWorkerJob(job: JobRecord): WorkerJob {
  const out: WorkerJob = { ...(job.extra ?? {}), id: job.id, input: job.input };
  if (job.webhook !== undefined) out.webhook = job.webhook;
  out.policy = { ...job.policy };
  // An object: the API refuses any other `s3Config` before the job is stored.
  if (job.s3Config !== undefined) out.s3Config = job.s3Config as Record<string, unknown>;
  return out;
}

/**
 * The answer to a worker's write of a job: done, or the job had already ended (a repeat, or progress racing the
 * final result — Python `runpod` posts progress from its own thread, docs/protocol.md §8: accepted quietly), or
 * the job is not this worker's to write (404).
 */
function writeAnswer(r: { ok: true } | { ok: false; reason: string; message: string }): Outcome<void> {
  if (r.ok || r.reason === "already-terminal") return ok(undefined);
  return fail(404, r.message);
}

const hasEndpoint = (core: EngineCore, endpointId: string): boolean =>
  core.endpoints.get(endpointId) !== undefined;

export async function take(
  core: EngineCore,
  endpointId: string,
  workerId: string,
  max: number,
  waitMs: number,
  signal?: AbortSignal,
): Promise<WorkerJob[]> {
  if (!hasEndpoint(core, endpointId)) return [];
  core.workers.takeRequested(endpointId, workerId, max, core.clock());
  core.workers.healthy(workerId);
  // While the take is held the worker is evidently alive: Gantry's SDK stops pinging while idle (docs/protocol.md
  // §13), so the registry must not forget a worker that waits here.
  core.workers.pollOpened(workerId);
  try {
    return await holdTake(core, endpointId, workerId, max, waitMs, signal);
  } finally {
    core.workers.pollClosed(workerId, core.clock());
  }
}

async function holdTake(
  core: EngineCore,
  endpointId: string,
  workerId: string,
  max: number,
  waitMs: number,
  signal: AbortSignal | undefined,
): Promise<WorkerJob[]> {
  const { waiters } = core;
  if (core.workers.recycling(workerId, core.clock())) {
    // It asked to be recycled (stopPod): hold the poll like an empty queue, since an instant empty answer
    // would make it spin. Nothing notifies this key; the wait ends at the hold, on abort or on stop.
    const k = recycleKey(workerId);
    const until = Date.now() + clampWait(waitMs, core.takeHoldMs);
    // Sleeps are bounded on a multi-node engine: keep holding until the deadline.
    while (!signal?.aborted && !core.stopped() && Date.now() < until)
      await waiters.waitChange(k, waiters.stamp(k), until - Date.now(), signal);
    return [];
  }
  const key = queueKey(endpointId);
  const deadline = Date.now() + clampWait(waitMs, core.takeHoldMs);
  for (;;) {
    const seen = waiters.stamp(key);
    const now = core.clock();
    const jobs = await core.jobs.take({ endpointId, workerId, max, now, leaseUntil: now + core.leaseMs });
    if (jobs.length > 0) {
      core.workers.taken(endpointId, workerId, jobs, now);
      // More may be waiting than this batch took: let the next sleeping taker look.
      if (jobs.length === max) waiters.notifyOne(key);
      for (const job of jobs) core.events.taken(job);
      return jobs.map(toWorkerJob);
    }
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted || core.stopped()) return [];
    await waiters.waitChange(key, seen, left, signal);
  }
}

export async function putBack(
  core: EngineCore,
  endpointId: string,
  workerId: string,
  jobIds: string[],
): Promise<void> {
  const back = await core.jobs.putBack(workerId, jobIds);
  core.workers.putBack(workerId, jobIds);
  for (const job of back) {
    if (job.endpointId !== endpointId)
      core.log.warn({ jobId: job.id, endpointId }, "put back across endpoints");
    core.events.queued(job);
  }
}

export async function workerDone(
  core: EngineCore,
  endpointId: string,
  workerId: string,
  jobId: string,
  body: WorkerDoneBody,
  isStream: boolean,
): Promise<Outcome<void>> {
  const now = core.clock();
  core.workers.seen(endpointId, workerId, now);
  if (body.stopPod === true) {
    core.workers.markRecycle(workerId, now);
    core.log.info({ workerId, jobId }, "worker asked to be recycled (stopPod)");
  }
  // The store checks the job's endpoint in the write itself (`endpointId`): no read before it.
  if (body.status === "IN_PROGRESS") {
    const r = await core.jobs.progress({
      id: jobId,
      workerId,
      endpointId,
      output: body.output,
      leaseUntil: now + core.leaseMs,
    });
    if (r.ok) core.events.changed(jobId);
    return writeAnswer(r);
  }

  const failed = Boolean(body.error);
  const hasOutput = "output" in body && body.output !== undefined;
  const r = await core.jobs.finish({
    id: jobId,
    workerId,
    endpointId,
    now,
    status: failed ? "FAILED" : "COMPLETED",
    hasOutput,
    ...(hasOutput ? { output: body.output } : {}),
    ...(failed ? { error: body.error } : {}),
    generator: isStream,
  });
  // After the write, before anyone is told: the registry shows the worker free once its answer is visible.
  core.workers.done(endpointId, workerId, jobId, true, now);
  if (r.ok) core.events.terminal(r.job);
  return writeAnswer(r);
}

export async function workerStream(
  core: EngineCore,
  endpointId: string,
  workerId: string,
  jobId: string,
  output: unknown,
): Promise<Outcome<void>> {
  const now = core.clock();
  core.workers.seen(endpointId, workerId, now);
  const r = await core.jobs.appendChunk({
    id: jobId,
    workerId,
    endpointId,
    output: output ?? null,
    leaseUntil: now + core.leaseMs,
  });
  if (r.ok) core.events.changed(jobId);
  return writeAnswer(r);
}

export async function ping(
  core: EngineCore,
  endpointId: string,
  workerId: string,
  report: PingReport,
): Promise<void> {
  if (!hasEndpoint(core, endpointId)) return;
  const now = core.clock();
  const ids = report.jobIds ?? [];
  core.workers.seen(endpointId, workerId, now, { version: report.version, jobIds: ids });
  if (report.status === "unhealthy") {
    const { check } = report;
    const reason = report.reason?.slice(0, MAX_REASON);
    core.workers.reportUnhealthy(endpointId, workerId, now, check, reason);
    core.log.warn({ endpointId, workerId, check, reason }, "worker reported unhealthy");
  } else {
    core.workers.healthy(workerId);
  }
  if (ids.length > 0) await core.jobs.extendLeases(workerId, ids, now + core.leaseMs);
}

export async function waitStops(
  core: EngineCore,
  endpointId: string,
  workerId: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<string[]> {
  if (!hasEndpoint(core, endpointId)) return [];
  core.workers.pollOpened(workerId);
  try {
    const key = stopKey(workerId);
    const deadline = Date.now() + clampWait(waitMs, core.stopHoldMs);
    for (;;) {
      const seen = core.waiters.stamp(key);
      const pending = await core.stops.take(workerId);
      if (pending.length > 0) return pending;
      const left = deadline - Date.now();
      if (left <= 0 || signal?.aborted || core.stopped()) return [];
      await core.waiters.waitChange(key, seen, left, signal);
    }
  } finally {
    core.workers.pollClosed(workerId, core.clock());
  }
}

export function putBackStops(core: EngineCore, endpointId: string, workerId: string, jobIds: string[]): void {
  if (!hasEndpoint(core, endpointId)) return;
  for (const id of jobIds) core.events.stop(workerId, id);
}

/**
 * A worker is known to be gone (its process exited or was killed): each job it still runs goes through the
 * lease-lost path now rather than when its lease lapses — requeued with retries + 1, or FAILED after
 * `maxRetries` — and the worker leaves the registry. Returns the jobs as they are afterwards.
 */
export async function releaseWorker(
  core: EngineCore,
  workerId: string,
  reason: string,
): Promise<JobRecord[]> {
  const why = reason === "" ? "is gone" : reason;
  const released: JobRecord[] = [];
  for (const job of await core.jobs.listByWorker(workerId)) {
    const maxRetries = core.endpoints.get(job.endpointId)?.maxRetries ?? 3;
    const error = `worker ${workerId} ${why}; job failed after ${job.retries} ${job.retries === 1 ? "retry" : "retries"}`;
    const r = await core.jobs.leaseLost({
      id: job.id,
      workerId,
      maxRetries,
      now: core.clock(),
      error,
      workerGone: true,
    });
    if (!r.ok) continue;
    released.push(r.job);
    if (r.job.status === "IN_QUEUE") {
      core.log.warn({ jobId: job.id, workerId, retries: r.job.retries, why }, "worker gone; job requeued");
      core.events.queued(r.job);
    } else {
      core.log.warn({ jobId: job.id, workerId, why }, "worker gone; retries exhausted; job failed");
      core.events.terminal(r.job);
    }
  }
  await core.stops.clear(workerId);
  core.workers.remove(workerId);
  await core.workerSync?.forget([workerId]);
  return released;
}
