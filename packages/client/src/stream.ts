/**
 * `job.stream()`: the chunks a generator handler yields, as they arrive. Server-sent events when the server
 * offers them (Gantry), else RunPod's draining `/stream` long-poll. Ends on every terminal state.
 */
import { startDeadline } from "./deadline.js";
import { GantryError } from "./errors.js";
import type { OpenStream } from "./http.js";
import { clamp, type JobContext, MIN_WAIT_MS, NO_HOLD_MS } from "./job-context.js";
import { abortReason, sleep } from "./sleep.js";
import { isEventStream, jobFeed, openFeed, progressTracker } from "./sse-feed.js";
import { isObject, isTerminal, preview } from "./status.js";
import type { JobStatus, StreamOptions, StreamTransport } from "./types.js";

/** RunPod's own `/stream` hold is about 10 s. */
const STREAM_WAIT_MS = 10_000;
const DEFAULT_RECONNECT_WINDOW_MS = 120_000;

export function checkTransport(t: unknown): StreamTransport {
  if (t === undefined) return "auto";
  if (t === "auto" || t === "sse" || t === "poll") return t;
  throw new TypeError(`transport must be "auto", "sse" or "poll", got ${JSON.stringify(t)}`);
}

export async function* streamJob(
  ctx: JobContext,
  options: StreamOptions,
  lastStatus: () => JobStatus | undefined,
): AsyncGenerator<unknown, void, undefined> {
  const transport = checkTransport(options.transport);
  const reconnectWindowMs = options.reconnectWindowMs ?? DEFAULT_RECONNECT_WINDOW_MS;
  const deadline = startDeadline(options.timeout, options.signal, () => {
    const last = lastStatus();
    return {
      message: `stream of job ${ctx.jobId} did not end within ${options.timeout} ms`,
      jobId: ctx.jobId,
      ...(last ? { lastStatus: last } : {}),
    };
  });
  try {
    if (transport === "poll" || (transport === "auto" && ctx.transport.sse === false)) {
      yield* pollStream(ctx, deadline.signal, deadline.at, undefined);
      return;
    }
    const first = await openFirst(ctx, deadline.signal);
    if (isEventStream(first.response)) {
      ctx.transport.sse = true;
      let chunks = 0;
      const progress = progressTracker();
      for await (const item of jobFeed(ctx, first, { signal: deadline.signal, reconnectWindowMs })) {
        const p = progress(item);
        if (p.changed) options.onProgress?.(p.value);
        if (item.type === "chunk") {
          chunks++;
          yield item.output;
        } else if (item.type === "progress") {
          // Reported through the tracker above.
        } else if (isTerminal(item.job.status) && chunks === 0 && hasSingleOutput(item.job)) {
          // What RunPod's `/stream` does for a handler that returns instead of yielding: its output, once.
          yield item.job.output;
        }
      }
      return;
    }
    // A RunPod-style server: this answer already drained chunks, so they must be delivered.
    ctx.transport.sse = false;
    let body: unknown;
    try {
      body = await first.response.json();
    } catch (e) {
      if (deadline.signal.aborted) throw abortReason(deadline.signal);
      throw new GantryError(`stream ${ctx.jobId}: the answer is neither an event stream nor JSON`, {
        cause: e,
      });
    } finally {
      first.close();
    }
    if (transport === "sse")
      throw new GantryError(`stream ${ctx.jobId}: the server does not offer server-sent events on /stream`);
    yield* pollStream(ctx, deadline.signal, deadline.at, body);
  } finally {
    deadline.dispose();
  }
}

const hasSingleOutput = (job: JobStatus): boolean =>
  job.status === "COMPLETED" &&
  job.output !== undefined &&
  !(Array.isArray(job.output) && job.output.length === 0);

async function openFirst(ctx: JobContext, signal: AbortSignal): Promise<OpenStream> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await openFeed(ctx, signal, 0, STREAM_WAIT_MS);
    } catch (e) {
      if (signal.aborted) throw abortReason(signal);
      const delay = ctx.http.retryDelay({ retry: true }, e, attempt);
      if (delay === undefined) throw e;
      await sleep(delay, signal);
    }
  }
}

/** RunPod's drain loop: each answer holds only new chunks; a terminal status with nothing new ends it. */
async function* pollStream(
  ctx: JobContext,
  signal: AbortSignal,
  deadlineAt: number | undefined,
  firstBody: unknown,
): AsyncGenerator<unknown, void, undefined> {
  let body = firstBody;
  let started = Date.now();
  for (;;) {
    if (body === undefined) {
      const left = deadlineAt === undefined ? STREAM_WAIT_MS : deadlineAt - Date.now();
      const wait = Math.round(clamp(left, MIN_WAIT_MS, STREAM_WAIT_MS));
      started = Date.now();
      body = await ctx.http.json({
        method: "GET",
        op: `stream/${ctx.jobId}`,
        query: { wait },
        retry: true,
        holdMs: wait,
        signal,
      });
    }
    if (!isObject(body) || typeof body.status !== "string")
      throw new GantryError(
        `stream ${ctx.jobId}: unexpected response ${preview(body)}; expected {"status", "stream"}`,
      );
    const status = body.status;
    const elements = Array.isArray(body.stream) ? body.stream : [];
    body = undefined;
    for (const el of elements) yield isObject(el) && "output" in el ? el.output : el;
    if (isTerminal(status) && elements.length === 0) return;
    if (elements.length === 0 && !isTerminal(status) && Date.now() - started < NO_HOLD_MS)
      await sleep(500, signal); // The server does not hold `/stream`: do not spin.
  }
}
