/**
 * Progress values of a running job (what the worker reported with `progress_update`), each yielded once per
 * change: from the SSE feed's `progress` events when the server is known to offer them, else by polling
 * `/status`, whose `output` holds the latest progress while the job is IN_PROGRESS.
 */
import { startDeadline } from "./deadline.js";
import type { JobContext } from "./job-context.js";
import { sleep } from "./sleep.js";
import { jobFeed, progressTracker } from "./sse-feed.js";
import { asJobStatus, isTerminal } from "./status.js";
import { checkTransport } from "./stream.js";
import type { JobStatus, ProgressOptions } from "./types.js";

const DEFAULT_INTERVAL_MS = 1_000;

export async function* progressOf(
  ctx: JobContext,
  options: ProgressOptions,
  lastStatus: () => JobStatus | undefined,
): AsyncGenerator<unknown, void, undefined> {
  const transport = checkTransport(options.transport);
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (typeof intervalMs !== "number" || !(intervalMs >= 50))
    throw new TypeError(`intervalMs must be a number ≥ 50, got ${JSON.stringify(intervalMs)}`);
  const deadline = startDeadline(options.timeout, options.signal, () => {
    const last = lastStatus();
    return {
      message: `job ${ctx.jobId} did not finish within ${options.timeout} ms`,
      jobId: ctx.jobId,
      ...(last ? { lastStatus: last } : {}),
    };
  });
  const track = progressTracker();
  try {
    // Opening an event stream on a RunPod server would drain its `/stream` buffer, so SSE needs evidence:
    // an earlier SSE answer, or a server that announced itself with `X-Gantry-Version`.
    const sseKnown = ctx.transport.sse ?? (ctx.http.gantryVersion !== undefined ? true : undefined);
    if (transport === "sse" || (transport === "auto" && sseKnown === true)) {
      const feed = jobFeed(ctx, undefined, { signal: deadline.signal, reconnectWindowMs: 120_000 });
      for await (const item of feed) {
        const p = track(item);
        if (p.changed) yield p.value;
      }
      return;
    }
    for (;;) {
      const body = await ctx.http.json({
        method: "GET",
        op: `status/${ctx.jobId}`,
        retry: true,
        signal: deadline.signal,
      });
      const job = asJobStatus(body, `status ${ctx.jobId}`);
      ctx.record(job);
      if (isTerminal(job.status)) return;
      const p = track({ type: "status", job });
      if (p.changed) yield p.value;
      await sleep(intervalMs, deadline.signal);
    }
  } finally {
    deadline.dispose();
  }
}
