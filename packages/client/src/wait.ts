/**
 * Waiting for a job to end with `/status-sync` long-polls (no sleep loop): each call returns as soon as the job is
 * terminal or its `wait` passes, so a result arrives the moment the server has it.
 */
import { startDeadline } from "./deadline.js";
import { clamp, type JobContext, MAX_CLIENT_WAIT_MS, MIN_WAIT_MS, NO_HOLD_MS } from "./job-context.js";
import { sleep } from "./sleep.js";
import { asJobStatus, isTerminal } from "./status.js";
import type { JobStatus, WaitOptions } from "./types.js";

export async function waitForJob(
  ctx: JobContext,
  options: WaitOptions & { last?: JobStatus; what?: string } = {},
): Promise<JobStatus> {
  let last = options.last;
  if (last && isTerminal(last.status)) return last;
  const deadline = startDeadline(options.timeout, options.signal, () => ({
    message: `job ${ctx.jobId} did not finish within ${options.timeout} ms${last ? ` (last status ${last.status})` : ""}`,
    jobId: ctx.jobId,
    ...(last ? { lastStatus: last } : {}),
  }));
  try {
    for (;;) {
      const left = deadline.at === undefined ? MAX_CLIENT_WAIT_MS : deadline.at - Date.now();
      const wait = Math.round(clamp(left, MIN_WAIT_MS, MAX_CLIENT_WAIT_MS));
      const started = Date.now();
      const body = await ctx.http.json({
        method: "GET",
        op: `status-sync/${ctx.jobId}`,
        query: { wait },
        retry: true,
        holdMs: wait,
        signal: deadline.signal,
        ...(deadline.at !== undefined ? { deadline: deadline.at } : {}),
      });
      last = asJobStatus(body, `status-sync ${ctx.jobId}`);
      ctx.record(last);
      if (isTerminal(last.status)) return last;
      // A server that answers a long-poll at once would make this loop spin; pace it instead.
      if (Date.now() - started < NO_HOLD_MS) await sleep(500, deadline.signal);
    }
  } finally {
    deadline.dispose();
  }
}
