/**
 * Gantry extension: `GET /v2/{ep}/stream/{id}` with `Accept: text/event-stream` streams the job's live feed as
 * server-sent events instead of RunPod's draining poll. Events carry the engine's monotonic `id`, so a client
 * reconnecting with `Last-Event-ID` (or `?lastEventId=`) resumes without gaps or repeats.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { isTerminal } from "../domain/job.js";
import type { JobEvent } from "../engine/platform.js";
import type { RouteDeps } from "./deps.js";
import type { AppEnv } from "./env.js";
import { ApiError } from "./errors.js";
import { parseLastEventId } from "./params.js";

export function acceptsEventStream(c: Context<AppEnv>): boolean {
  return (c.req.header("accept") ?? "").toLowerCase().includes("text/event-stream");
}

function eventData(e: JobEvent): unknown {
  switch (e.type) {
    case "chunk":
      return { seq: e.seq, output: e.output };
    case "progress":
      return { output: e.output };
    case "status":
      return e.job;
    case "gone":
      return { id: e.jobId, error: e.error };
  }
}

const goneEvent = (jobId: string): JobEvent => ({
  id: 0,
  type: "gone",
  jobId,
  error: `job ${jobId} not found`,
});

export async function streamEvents(
  c: Context<AppEnv>,
  deps: RouteDeps,
  endpointId: string,
  jobId: string,
): Promise<Response> {
  const after = parseLastEventId(c.req.header("last-event-id") ?? c.req.query("lastEventId"));
  // Events can arrive during `subscribe` (the replay) and before the response exists: queue them.
  const queue: JobEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = await deps.platform.subscribe(endpointId, jobId, after, (e) => {
    queue.push(e);
    wake?.();
  });
  if (!unsubscribe) throw new ApiError(404, `job ${jobId} not found`);

  const signal = AbortSignal.any([c.req.raw.signal, deps.shutdown]);
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    const onAbort = () => wake?.();
    signal.addEventListener("abort", onAbort);
    stream.onAbort(onAbort);
    try {
      let finished = false;
      while (!finished && !signal.aborted && !stream.aborted) {
        const e = queue.shift();
        if (!e) {
          const timedOut = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), deps.limits.sseHeartbeatMs);
            wake = () => {
              clearTimeout(timer);
              resolve(false);
            };
          });
          wake = undefined;
          if (timedOut) {
            // Backstop for a platform whose feed missed the deletion: a job that is gone ends the stream.
            if (!(await deps.platform.status(endpointId, jobId))) queue.push(goneEvent(jobId));
            else await stream.write(": heartbeat\n\n");
          }
          continue;
        }
        // A `gone` event carries no id: it is not a point a client could resume from.
        await stream.writeSSE({
          event: e.type,
          ...(e.type === "gone" ? {} : { id: String(e.id) }),
          data: JSON.stringify(eventData(e)),
        });
        if (e.type === "gone" || (e.type === "status" && isTerminal(e.job.status))) finished = true;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      unsubscribe();
    }
  });
}
