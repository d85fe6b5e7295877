/**
 * `GET /admin/v1/workers/{workerId}/logs`: the latest lines of a worker Gantry started (running or recently
 * exited) as JSON, or with `?follow=1` (or `Accept: text/event-stream`) a server-sent event stream: the tail,
 * then every new line as it is printed, then one `exit` event when the process ends. Line events carry the
 * line's `seq` as their id, so a client reconnecting with `Last-Event-ID` resumes without gaps or repeats.
 */
import {
  parseLastEventId,
  type WorkerExitView,
  type WorkerLogLine,
  type WorkerLogsView,
} from "@gantry/protocol";
import type { ApiCall } from "../http/call.js";
import type { Answer } from "../http/route.js";
import { STREAMED } from "../http/route.js";
import { acceptsEventStream, SseStream, sleepOrWake } from "../http/sse.js";
import { accepted, parseAdminFlag } from "../http/validate.js";
import type { FleetProcess, ProcessExit } from "./seam.js";

export interface LogStreamOptions {
  heartbeatMs: number;
  /** Why it exited, looked up once the process is gone (the supervisor records it just after). */
  why: () => string | undefined;
  onError: (err: unknown) => void;
}

function exitView(exit: ProcessExit, why?: string): WorkerExitView {
  return {
    code: exit.code,
    signal: exit.signal,
    at: exit.at,
    ...(exit.error !== undefined ? { error: exit.error } : {}),
    ...(why !== undefined ? { why } : {}),
  };
}

export function logsAnswer(worker: FleetProcess, tail: number): Answer {
  const json: WorkerLogsView = {
    workerId: worker.id,
    endpointId: worker.endpointId,
    running: worker.retired === undefined,
    ...(worker.retired ? { exit: exitView(worker.retired.exit, worker.retired.why) } : {}),
    lines: worker.logs.lines({ limit: tail }),
  };
  return { json };
}

export function wantsFollow(call: ApiCall): boolean {
  return parseAdminFlag("follow", call.query("follow")) || acceptsEventStream(call.header("accept"));
}

/** The seq after which the last `tail` lines begin. */
function backlogStart(worker: FleetProcess, tail: number): number {
  const first = tail === 0 ? undefined : worker.logs.lines({ limit: tail })[0];
  return first === undefined ? worker.logs.lastSeq : first.seq - 1;
}

export function followLogs(
  call: ApiCall,
  worker: FleetProcess,
  tail: number,
  options: LogStreamOptions,
): Answer {
  const lastId = call.header("last-event-id") ?? call.query("lastEventId");
  const resume = lastId === undefined ? undefined : accepted(parseLastEventId(lastId));
  const signal = call.signal();
  const stream = new SseStream(call.res);
  // Subscribe before reading the backlog: a line printed in between is queued, and `sent` drops repeats.
  const queue: WorkerLogLine[] = [];
  let wake: (() => void) | undefined;
  let exit: ProcessExit | undefined;
  const unfollow = worker.logs.follow((l) => {
    queue.push(l);
    wake?.();
  });
  void worker.exited.then((e) => {
    exit = e;
    wake?.();
  });
  const onAbort = (): void => wake?.();
  signal.addEventListener("abort", onAbort);
  let sent = resume ?? backlogStart(worker, tail);
  queue.unshift(...worker.logs.lines({ afterSeq: sent }));
  void (async () => {
    try {
      while (!signal.aborted && !stream.closed) {
        const line = queue.shift();
        if (line) {
          if (line.seq <= sent) continue;
          sent = line.seq;
          await stream.send({ event: "line", id: String(line.seq), data: JSON.stringify(line) });
          continue;
        }
        if (exit) {
          await stream.send({ event: "exit", data: JSON.stringify(exitView(exit, options.why())) });
          break;
        }
        const timedOut = await sleepOrWake(options.heartbeatMs, (w) => {
          wake = w;
        });
        wake = undefined;
        if (timedOut) await stream.heartbeat();
      }
    } catch (err) {
      options.onError(err);
    } finally {
      signal.removeEventListener("abort", onAbort);
      unfollow();
      stream.end();
    }
  })();
  return STREAMED;
}
