import { log } from "../logger.js";
import { getActiveProgressSink } from "./active.js";

/**
 * The `output` of a progress post (docs/protocol.md §8): the value alone, or `{progress, message}` with a
 * message.
 */
export function progressOutput(progress: unknown, message?: string): unknown {
  return message === undefined ? progress : { progress, message };
}

/** The whole job-done body of a progress update. */
export function progressBody(
  progress: unknown,
  message?: string,
): { status: "IN_PROGRESS"; output: unknown } {
  return { status: "IN_PROGRESS", output: progressOutput(progress, message) };
}

/**
 * Sends a progress update for `job` through whichever worker mode is running. Resolves once the update is
 * delivered or given up; never rejects, because a progress report must not fail the job.
 */
export async function progressUpdate(
  job: { id: string },
  progress: unknown,
  message?: string,
): Promise<void> {
  const jobId = job !== null && typeof job === "object" ? (job as { id?: unknown }).id : undefined;
  if (typeof jobId !== "string" || jobId === "") {
    log.warn(
      "progressUpdate(job, progress): job must be the job object the handler received (with a string id).",
    );
    return;
  }
  if (message !== undefined && typeof message !== "string") {
    log.warn("progressUpdate(job, progress, message): message must be a string; sending it as text.", jobId);
    message = String(message);
  }
  const sink = getActiveProgressSink();
  if (!sink) {
    log.warn("progressUpdate called outside a running worker; update not sent.", jobId);
    return;
  }
  try {
    await sink(jobId, progress, message);
  } catch (thrown) {
    log.error(`Progress update failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`, jobId);
  }
}
