import os from "node:os";
import type { Agent } from "undici";
import { version } from "../version.js";
import { loadUndici } from "./undici-loader.js";

export interface HttpReply {
  status: number;
  contentType: string;
  text: string;
}

export interface HttpOptions {
  method?: "GET" | "POST";
  body?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Whole-request bound (connect + headers + body). */
  timeoutMs: number;
}

export const USER_AGENT = `Gantry-Worker-SDK/${version} (${os.type()} ${os.release()}; ${os.arch()}) Language/Node ${process.versions.node}`;

/**
 * One connection pool per runtime, so a finished runtime (tests run several in one process) closes its
 * sockets and nothing keeps the event loop alive.
 */
export class ProtocolHttp {
  /** Created on the first request, which is also when undici is loaded (see undici-loader.ts). */
  #agent: Agent | undefined;
  readonly #apiKey: string;

  constructor(apiKey: string) {
    this.#apiKey = apiKey;
  }

  async send(url: string, options: HttpOptions): Promise<HttpReply> {
    // Combined by hand (not AbortSignal.any) so nothing stays attached to the runtime's long-lived
    // shutdown signal after each of the thousands of polls a worker makes in a day.
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(new DOMException(`request timed out after ${options.timeoutMs} ms`, "TimeoutError")),
      options.timeoutMs,
    );
    const forward = (): void => controller.abort(options.signal?.reason);
    if (options.signal?.aborted) forward();
    else options.signal?.addEventListener("abort", forward, { once: true });
    try {
      return await this.#send(url, options, controller.signal);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", forward);
    }
  }

  async #send(url: string, options: HttpOptions, signal: AbortSignal): Promise<HttpReply> {
    const headers: Record<string, string> = {
      // The raw key, no `Bearer` (§3.2): platforms built for the Python SDK compare it verbatim.
      authorization: this.#apiKey,
      "user-agent": USER_AGENT,
      ...options.headers,
    };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const undici = loadUndici();
    this.#agent ??= new undici.Agent({ keepAliveTimeout: 10_000, connections: null });
    const response = await undici.request(url, {
      method: options.method ?? "GET",
      headers,
      body: options.body,
      signal,
      dispatcher: this.#agent,
      // The signal bounds the request; undici's own timers would cut long-polls short.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    const text = await response.body.text();
    const rawType = response.headers["content-type"];
    const contentType = (Array.isArray(rawType) ? rawType[0] : rawType) ?? "";
    return { status: response.statusCode, contentType, text };
  }

  async close(): Promise<void> {
    await this.#agent?.destroy();
  }
}

/** Waits `ms`, or less if `signal` aborts first; never rejects. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
