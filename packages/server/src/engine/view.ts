/**
 * JobRecord → the public status object (docs/api.md §2.3): what `/status`, `/runsync`, `/cancel`
 * and webhooks show.
 */
import type { JobSummary, JobView } from "@gantry/protocol";
import type { JobRecord } from "../domain/job.js";

export function toView(job: JobRecord, now: number, hint?: string): JobView {
  const view: JobView = { id: job.id, status: job.status };
  if (job.startedAt !== undefined) {
    view.delayTime = Math.max(0, job.startedAt - job.createdAt);
    if (job.completedAt !== undefined) view.executionTime = Math.max(0, job.completedAt - job.startedAt);
    // RunPod shows a running executionTime once progress has been reported.
    else if (job.status === "IN_PROGRESS" && job.hasOutput)
      view.executionTime = Math.max(0, now - job.startedAt);
  }
  if (job.status === "IN_PROGRESS" || job.status === "FAILED") view.input = job.input;
  if (job.hasOutput) view.output = job.output;
  if (job.error !== undefined && job.error !== null) view.error = job.error;
  if (job.workerId !== undefined) view.workerId = job.workerId;
  if (job.retries > 0) view.retries = job.retries;
  if (hint !== undefined && job.status === "IN_QUEUE") view.hint = hint;
  return view;
}

/** The `/requests` line of a job: timings as in `toView`, no payloads. */
export function toSummary(job: JobRecord, now: number): JobSummary {
  const view = toView(job, now);
  const out: JobSummary = { id: job.id, status: job.status, createdAt: job.createdAt, retries: job.retries };
  if (view.delayTime !== undefined) out.delayTime = view.delayTime;
  if (view.executionTime !== undefined) out.executionTime = view.executionTime;
  if (job.workerId !== undefined) out.workerId = job.workerId;
  return out;
}

/** The webhook body: the status object plus `input` and `webhook` (docs/api.md §7). */
export function webhookPayload(job: JobRecord, now: number): Record<string, unknown> {
  return { ...toView(job, now), input: job.input, webhook: job.webhook };
}
