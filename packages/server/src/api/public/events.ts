/**
 * Gantry extension: `GET /v2/{ep}/stream/{id}` with `Accept: text/event-stream` streams the job's live feed as
 * server-sent events instead of RunPod's draining poll. Events carry the engine's monotonic `id`, so a client
 * reconnecting with `Last-Event-ID` (or `?lastEventId=`) resumes without gaps or repeats.
 */
import { parseLastEventId } from "@gantry/protocol";
import { isTerminal } from "../../domain/job.js";
import type { JobEvent } from "../../engine/platform.js";
import type { ApiCall } from "../http/call.js";
import type { RouteDeps } from "../http/deps.js";
import { ApiError } from "../http/errors.js";
import { type Answer, STREAMED } from "../http/route.js";
import { SseStream, sleepOrWake } from "../http/sse.js";
import { accepted } from "../http/validate.js";

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
  deps: RouteDeps,
  call: ApiCall,
  endpointId: string,
  jobId: string,
): Promise<Answer> {
  const after = accepted(parseLastEventId(call.header("last-event-id") ?? call.query("lastEventId")));
  // Events can arrive during `subscribe` (the replay) and before the stream is open: queue them.
  const queue: JobEvent[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = await deps.platform.subscribe(endpointId, jobId, after, (e) => {
    queue.push(e);
    wake?.();
  });
  if (!unsubscribe) throw new ApiError(404, `job ${jobId} not found`);

  const signal = call.signal();
  const stream = new SseStream(call.res);
  const onAbort = (): void => wake?.();
  signal.addEventListener("abort", onAbort);
  void (async () => {
    try {
      let finished = false;
      while (!finished && !signal.aborted && !stream.closed) {
        const e = queue.shift();
        if (!e) {
          const timedOut = await sleepOrWake(deps.limits.sseHeartbeatMs, (w) => {
            wake = w;
          });
          wake = undefined;
          if (timedOut) {
            // Backstop for a platform whose feed missed the deletion: a job that is gone ends the stream.
            if (!(await deps.platform.status(endpointId, jobId))) queue.push(goneEvent(jobId));
            else await stream.heartbeat();
          }
          continue;
        }
        // A `gone` event carries no id: it is not a point a client could resume from.
        await stream.send({
          event: e.type,
          id: e.type === "gone" ? undefined : String(e.id),
          data: JSON.stringify(eventData(e)),
        });
        if (e.type === "gone" || (e.type === "status" && isTerminal(e.job.status))) finished = true;
      }
    } catch (err) {
      deps.logger.error({ err, endpointId, jobId }, "event stream failed");
    } finally {
      signal.removeEventListener("abort", onAbort);
      unsubscribe();
      stream.end();
    }
  })();
  return STREAMED;
}
