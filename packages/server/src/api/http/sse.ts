/**
 * Server-sent events written straight to node's response (the job feed of `/stream` and a worker's followed
 * logs). Writes wait for the socket to drain, so a slow reader holds the writer rather than memory.
 */
import type { ServerResponse } from "node:http";
import { SSE_HEADERS } from "./reply.js";

export interface SseEvent {
  event: string;
  /** Where a client reconnecting with `Last-Event-ID` resumes; left out for events that are not such a point. */
  id?: string | undefined;
  /** One line of text (JSON). */
  data: string;
}

/** Whether the request asks for server-sent events. */
export function acceptsEventStream(accept: string | undefined): boolean {
  return (accept ?? "").toLowerCase().includes("text/event-stream");
}

export class SseStream {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.writeHead(200, SSE_HEADERS);
  }

  /** The client has gone, or the stream was ended. */
  get closed(): boolean {
    return this.#res.destroyed || this.#res.writableEnded;
  }

  send(e: SseEvent): Promise<void> {
    const lines = e.data
      .split(/\r\n|\r|\n/)
      .map((l) => `data: ${l}`)
      .join("\n");
    return this.write(`event: ${e.event}\n${lines}\n${e.id !== undefined ? `id: ${e.id}\n` : ""}\n`);
  }

  /** A comment line, so proxies keep an idle stream open. */
  heartbeat(): Promise<void> {
    return this.write(": heartbeat\n\n");
  }

  write(text: string): Promise<void> {
    const res = this.#res;
    if (this.closed || res.write(text)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        res.off("drain", done);
        res.off("close", done);
        resolve();
      };
      res.on("drain", done);
      res.on("close", done);
    });
  }

  end(): void {
    if (!this.closed) this.#res.end();
  }
}

/**
 * Waits for `wake` to be called or `ms` to pass, whichever is first; true when the time passed. `setWake`
 * receives the function that wakes it (cleared by the caller after).
 */
export function sleepOrWake(ms: number, setWake: (wake: () => void) => void): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    setWake(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
