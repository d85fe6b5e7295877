/**
 * The worker's protocol client, on `node:http` and a keep-alive `Agent`: no dependency to load on a cold start
 * (about 25 ms for load + first request, where even a partial undici load cost about 200 ms on two busy cores).
 */
import http from "node:http";
import os from "node:os";
import { version } from "../version.js";

export interface HttpReply {
  status: number;
  contentType: string;
  text: string;
  /** The `X-Gantry-Version` header: only a Gantry server sends it, so it tells which extensions are safe to use. */
  gantryVersion?: string;
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
 * Sockets a worker can need at once: the job-take and job-stop long-polls, and for each of up to 2×concurrency
 * held jobs a result post or a stream chunk beside a progress update. Requests beyond the cap would queue behind
 * 90-second long-polls, so the cap errs high; it exists to bound a runaway, not to throttle.
 */
export function socketsFor(concurrency: number): number {
  const c = Number.isSafeInteger(concurrency) && concurrency > 0 ? concurrency : 1;
  return 4 * c + 4;
}

interface Transport {
  request: typeof http.request;
  Agent: new (options: http.AgentOptions) => http.Agent;
}

let httpsModule: Promise<Transport> | undefined;

/** `node:https` pulls in TLS; loaded only when a platform URL is https, so plain-http workers never pay for it. */
function loadHttps(): Promise<Transport> {
  httpsModule ??= import("node:https").then((m) => m.default);
  return httpsModule;
}

/**
 * One connection pool per runtime, so a finished runtime (tests run several in one process) closes its
 * sockets and nothing keeps the event loop alive.
 */
export class ProtocolHttp {
  /** Created on the first request: importing the SDK opens nothing. */
  #agents: { http?: http.Agent; https?: http.Agent } = {};
  #maxSockets = socketsFor(1);
  #closed = false;
  readonly #apiKey: string;

  constructor(apiKey: string) {
    this.#apiKey = apiKey;
  }

  /** Resizes the pool for a new concurrency; requests in flight are unaffected. */
  sizeFor(concurrency: number): void {
    this.#maxSockets = socketsFor(concurrency);
    for (const agent of Object.values(this.#agents)) agent.maxSockets = this.#maxSockets;
  }

  async send(url: string, options: HttpOptions): Promise<HttpReply> {
    if (this.#closed) throw new Error("ProtocolHttp is closed");
    const target = new URL(url);
    const secure = target.protocol === "https:";
    if (!secure && target.protocol !== "http:") throw new TypeError(`Unsupported protocol in URL: ${url}`);
    const transport: Transport = secure ? await loadHttps() : http;
    options.signal?.throwIfAborted();
    const agent = this.#agent(secure, transport);
    const headers: Record<string, string | number> = {
      // The raw key, no `Bearer` (docs/protocol.md §3): platforms built for the Python SDK compare it
      // verbatim.
      authorization: this.#apiKey,
      "user-agent": USER_AGENT,
      ...options.headers,
    };
    const body = options.body;
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(body, "utf8");
    }
    // Given as a string, node writes the body in one piece with the headers (a Buffer is a piece of its own).
    const requestOptions = { method: options.method ?? "GET", headers, agent };
    return exchange(transport, target, requestOptions, body, options.timeoutMs, options.signal);
  }

  #agent(secure: boolean, transport: Transport): http.Agent {
    const key = secure ? "https" : "http";
    const existing = this.#agents[key];
    if (existing) return existing;
    // LIFO hands out the most recently used socket, the one least likely to have hit the server's idle timeout.
    const agent = new transport.Agent({ keepAlive: true, maxSockets: this.#maxSockets, scheduling: "lifo" });
    this.#agents[key] = agent;
    return agent;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const agent of Object.values(this.#agents)) agent.destroy();
    this.#agents = {};
  }
}

/**
 * One request/response, bounded by `timeoutMs`. Rejects with a `TimeoutError` when the bound passes (callers
 * treat it as "re-poll"), with the signal's reason when it aborts, and with node's own error otherwise
 * (connection refused, reset, socket hang up), which callers treat as a failed attempt. The body is always read
 * to its end, which is what returns the socket to the pool. A timer and the caller's signal, not a controller of
 * its own per request: nothing stays attached to the runtime's long-lived shutdown signal after each of the
 * thousands of polls a worker makes in a day, and a result post (no signal) attaches no listener at all.
 */
function exchange(
  transport: Transport,
  target: URL,
  options: http.RequestOptions,
  body: string | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      outcome();
    };
    const fail = (error: unknown): void => settle(() => reject(error));
    const request = transport.request(target, options, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", fail);
      response.on("end", () =>
        settle(() => {
          const reply: HttpReply = {
            status: response.statusCode ?? 0,
            contentType: response.headers["content-type"] ?? "",
            text: Buffer.concat(chunks).toString("utf8"),
          };
          const gantry = response.headers["x-gantry-version"];
          if (typeof gantry === "string") reply.gantryVersion = gantry;
          resolve(reply);
        }),
      );
      // A connection cut mid-body: `error` normally comes first, this covers any path where it does not.
      response.on("close", () => {
        if (!response.complete) fail(new Error("connection closed before the response body ended"));
      });
    });
    // Destroying the socket is the only way to cancel an HTTP/1.1 exchange; it is not returned to the pool.
    const cancel = (reason: unknown): void => {
      fail(reason);
      request.destroy();
    };
    function onAbort(): void {
      cancel(signal?.reason);
    }
    const timer = setTimeout(
      () => cancel(new DOMException(`request timed out after ${timeoutMs} ms`, "TimeoutError")),
      timeoutMs,
    );
    request.on("error", fail);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
    request.end(body);
  });
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

/** A thrown value as one log-line phrase: `Name: message` for an Error. */
export function errorText(thrown: unknown): string {
  return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
}
