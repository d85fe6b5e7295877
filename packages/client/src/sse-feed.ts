/**
 * Gantry's server-sent event feed of one job (`GET /stream/{id}`, `Accept: text/event-stream`), read with
 * eventsource-parser over fetch. The feed survives disconnects: it reconnects with backoff and
 * `Last-Event-ID: <last chunk seq>`, so the server resends exactly the chunks after it; chunks whose `seq` was
 * already delivered are dropped, so a resumed feed has neither gaps nor duplicates.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { GantryError, GantryHttpError } from "./errors.js";
import { isRetryable, type OpenStream } from "./http.js";
import type { JobContext } from "./job-context.js";
import { abortReason, sleep } from "./sleep.js";
import { asJobStatus, isObject, isTerminal, preview } from "./status.js";
import type { JobStatus } from "./types.js";

/** The server sends a heartbeat comment after ~15 s of silence; three missed ones mean a dead connection. */
const IDLE_MS = 45_000;

export type FeedItem =
  | { type: "chunk"; seq: number | undefined; output: unknown }
  | { type: "progress"; output: unknown }
  | { type: "status"; job: JobStatus };

export interface FeedOptions {
  signal: AbortSignal;
  /** ms during which reconnecting may fail in a row before the last error is thrown. */
  reconnectWindowMs: number;
}

/**
 * Turns feed items into progress values, once per change. A `progress` event carries one; so does a status
 * snapshot of a running job (its `output` is the latest progress), which is how a client that connects after
 * the worker reported learns the current value. Reconnects re-send snapshots, hence the comparison.
 */
export function progressTracker(): (item: FeedItem) => { changed: boolean; value?: unknown } {
  let last: string | undefined;
  return (item) => {
    let value: unknown;
    if (item.type === "progress") value = item.output;
    else if (item.type === "status" && item.job.status === "IN_PROGRESS") value = item.job.output;
    if (value === undefined) return { changed: false };
    const key = stableKey(value);
    if (key === last) return { changed: false };
    last = key;
    return { changed: true, value };
  };
}

export function stableKey(v: unknown): string {
  try {
    return JSON.stringify(v) ?? "undefined";
  } catch {
    return String(v);
  }
}

export const isEventStream = (res: Response): boolean =>
  (res.headers.get("content-type") ?? "").toLowerCase().includes("text/event-stream");

export function openFeed(
  ctx: JobContext,
  signal: AbortSignal,
  afterSeq: number,
  waitMs?: number,
): Promise<OpenStream> {
  return ctx.http.open({
    method: "GET",
    op: `stream/${ctx.jobId}`,
    // `wait` only matters when the server answers with RunPod's JSON long-poll instead (auto-detection).
    ...(waitMs !== undefined ? { query: { wait: waitMs }, holdMs: waitMs } : {}),
    headers: { accept: "text/event-stream", ...(afterSeq > 0 ? { "last-event-id": String(afterSeq) } : {}) },
    retry: false,
    signal,
  });
}

/** Yields the feed's events until the terminal status; `first` is an already open connection, if any. */
export async function* jobFeed(
  ctx: JobContext,
  first: OpenStream | undefined,
  options: FeedOptions,
): AsyncGenerator<FeedItem, void, undefined> {
  const { signal } = options;
  const cursor = { lastSeq: 0 };
  let conn = first;
  let failures = 0;
  let failingSince: number | undefined;
  try {
    for (;;) {
      if (!conn) {
        try {
          conn = await openFeed(ctx, signal, cursor.lastSeq);
          if (!isEventStream(conn.response)) {
            conn.close();
            conn = undefined;
            throw new GantryError(
              `stream ${ctx.jobId}: the server stopped answering with server-sent events`,
            );
          }
        } catch (e) {
          if (signal.aborted) throw abortReason(signal);
          if (!isRetryable(e)) throw e;
          failingSince ??= Date.now();
          if (Date.now() - failingSince > options.reconnectWindowMs) throw e;
          const hinted = e instanceof GantryHttpError ? e.retryAfterMs : undefined;
          await sleep(hinted ?? reconnectDelay(failures++), signal);
          continue;
        }
      }
      const result = { terminal: false, events: 0 };
      yield* readConnection(ctx, conn, cursor, result, signal);
      conn = undefined;
      if (result.terminal) return;
      if (result.events > 0) {
        failures = 0;
        failingSince = undefined;
      } else {
        // Accepted and closed without a word (a proxy, a server shutting down): count it as a failure.
        failingSince ??= Date.now();
        if (Date.now() - failingSince > options.reconnectWindowMs)
          throw new GantryError(`stream ${ctx.jobId}: the server keeps closing the event stream`);
        await sleep(reconnectDelay(failures++), signal);
      }
    }
  } finally {
    conn?.close();
  }
}

/** Full jitter over a short exponential ramp: a restarting server is usually back within seconds. */
function reconnectDelay(failures: number): number {
  const cap = Math.min(5_000, 250 * 2 ** Math.min(failures, 10));
  return 100 + Math.round(Math.random() * cap);
}

async function* readConnection(
  ctx: JobContext,
  conn: OpenStream,
  cursor: { lastSeq: number },
  result: { terminal: boolean; events: number },
  signal: AbortSignal,
): AsyncGenerator<FeedItem, void, undefined> {
  const body = conn.response.body;
  if (!body) return;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => pending.push(e) });
  let idle: ReturnType<typeof setTimeout> | undefined;
  try {
    for (;;) {
      idle = setTimeout(() => conn.close(), IDLE_MS);
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        if (signal.aborted) throw abortReason(signal);
        return; // Connection lost: the caller reconnects.
      } finally {
        clearTimeout(idle);
      }
      parser.feed(chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true }));
      while (pending.length > 0) {
        const item = toItem(ctx, pending.shift() as EventSourceMessage);
        result.events++;
        if (!item) continue;
        if (item.type === "chunk" && item.seq !== undefined) {
          if (item.seq <= cursor.lastSeq) continue; // Already delivered before a reconnect.
          cursor.lastSeq = item.seq;
        }
        if (item.type === "status") ctx.record(item.job);
        yield item;
        if (item.type === "status" && isTerminal(item.job.status)) {
          result.terminal = true;
          return;
        }
      }
      if (chunk.done) return;
    }
  } finally {
    clearTimeout(idle);
    conn.close();
    reader.cancel().catch(() => {});
  }
}

function toItem(ctx: JobContext, e: EventSourceMessage): FeedItem | undefined {
  const kind = e.event ?? "message";
  if (kind !== "chunk" && kind !== "progress" && kind !== "status" && kind !== "gone") return undefined;
  let data: unknown;
  try {
    data = JSON.parse(e.data);
  } catch {
    throw new GantryError(`stream ${ctx.jobId}: malformed ${kind} event: ${e.data.slice(0, 200)}`);
  }
  switch (kind) {
    case "chunk": {
      if (!isObject(data) || !("output" in data))
        throw new GantryError(`stream ${ctx.jobId}: malformed chunk event: ${preview(data)}`);
      const seq = typeof data.seq === "number" && Number.isInteger(data.seq) ? data.seq : undefined;
      return { type: "chunk", seq, output: data.output };
    }
    case "progress":
      return { type: "progress", output: isObject(data) ? data.output : undefined };
    case "status":
      return { type: "status", job: asJobStatus(data, `stream ${ctx.jobId} status event`) };
    default:
      // The job was deleted (TTL, retention, purge) before it ended: the same answer `/status` would give.
      throw new GantryHttpError({
        status: 404,
        body: isObject(data) ? data : { error: `job ${ctx.jobId} not found` },
        method: "GET",
        url: ctx.http.url(`stream/${ctx.jobId}`),
      });
  }
}
