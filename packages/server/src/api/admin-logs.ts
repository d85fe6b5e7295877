/**
 * `GET /admin/v1/workers/{workerId}/logs`: the latest lines of a worker Gantry started (running or recently
 * exited) as JSON, or with `?follow=1` (or `Accept: text/event-stream`) a server-sent event stream: the tail,
 * then every new line as it is printed, then one `exit` event when the process ends. Line events carry the
 * line's `seq` as their id, so a client reconnecting with `Last-Event-ID` resumes without gaps or repeats.
 */
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { LogLine } from "../providers/log-buffer.js";
import type { WorkerExit } from "../providers/provider.js";
import type { WorkerRecord } from "../supervisor/supervisor.js";
import type { AppEnv } from "./env.js";
import { ApiError } from "./errors.js";
import { parseLastEventId } from "./params.js";
import { acceptsEventStream } from "./sse.js";

export const DEFAULT_TAIL = 100;
export const MAX_TAIL = 1000;

export interface LogStreamOptions {
  shutdown: AbortSignal;
  heartbeatMs: number;
}

/** `?tail=`: how many of the latest lines; absent → 100. */
export function parseTail(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TAIL;
  const t = raw.trim();
  const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > MAX_TAIL)
    throw new ApiError(400, `tail is invalid; must be an integer between 0 and ${MAX_TAIL}`);
  return n;
}

/** A query flag: `1`/`true`/`yes` (or bare `?name`) set it, `0`/`false`/`no` or absent do not; else 400. */
export function parseFlag(name: string, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === "1" || v === "true" || v === "yes" || v === "") return true;
  if (v === "0" || v === "false" || v === "no") return false;
  throw new ApiError(400, `${name} is invalid; must be 1 or 0`);
}

function exitView(exit: WorkerExit, why?: string): Record<string, unknown> {
  return {
    code: exit.code,
    signal: exit.signal,
    at: exit.at,
    ...(exit.error !== undefined ? { error: exit.error } : {}),
    ...(why !== undefined ? { why } : {}),
  };
}

export function logsResponse(c: Context<AppEnv>, worker: WorkerRecord, tail: number): Response {
  return c.json(
    {
      workerId: worker.id,
      endpointId: worker.endpointId,
      running: worker.retired === undefined,
      ...(worker.retired ? { exit: exitView(worker.retired.exit, worker.retired.why) } : {}),
      lines: worker.logs.lines({ limit: tail }),
    },
    200,
  );
}

export function wantsFollow(c: Context<AppEnv>): boolean {
  return parseFlag("follow", c.req.query("follow")) || acceptsEventStream(c);
}

/** The seq after which the last `tail` lines begin. */
function backlogStart(worker: WorkerRecord, tail: number): number {
  const first = tail === 0 ? undefined : worker.logs.lines({ limit: tail })[0];
  return first === undefined ? worker.logs.lastSeq : first.seq - 1;
}

export function followLogs(
  c: Context<AppEnv>,
  worker: WorkerRecord,
  tail: number,
  options: LogStreamOptions,
  /** Why it exited, looked up once the process is gone (the supervisor records it just after). */
  why: () => string | undefined,
): Response {
  const lastId = c.req.header("last-event-id") ?? c.req.query("lastEventId");
  const resume = lastId === undefined ? undefined : parseLastEventId(lastId);
  const signal = AbortSignal.any([c.req.raw.signal, options.shutdown]);
  c.header("X-Accel-Buffering", "no");
  return streamSSE(c, async (stream) => {
    // Subscribe before reading the backlog: a line printed in between is queued, and `sent` drops repeats.
    const queue: LogLine[] = [];
    let wake: (() => void) | undefined;
    let exit: WorkerExit | undefined;
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
    stream.onAbort(onAbort);
    let sent = resume ?? backlogStart(worker, tail);
    queue.unshift(...worker.logs.lines({ afterSeq: sent }));
    try {
      while (!signal.aborted && !stream.aborted) {
        const line = queue.shift();
        if (line) {
          if (line.seq <= sent) continue;
          sent = line.seq;
          await stream.writeSSE({ event: "line", id: String(line.seq), data: JSON.stringify(line) });
          continue;
        }
        if (exit) {
          await stream.writeSSE({ event: "exit", data: JSON.stringify(exitView(exit, why())) });
          break;
        }
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), options.heartbeatMs);
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
        });
        wake = undefined;
        if (timedOut) await stream.write(": heartbeat\n\n");
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      unfollow();
    }
  });
}
