/**
 * A tiny HTTP client for the CLI's own calls to a Gantry server (JSON requests and a server-sent-events reader),
 * on node:http so the CLI needs no client dependency.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { type SseEvent, sseDecoder } from "./sse-events.js";

export type { SseEvent } from "./sse-events.js";

export interface JsonReply<T = unknown> {
  status: number;
  body: T;
}

export function callJson<T = unknown>(
  method: "GET" | "POST",
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonReply<T>> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      url,
      {
        method,
        headers: {
          accept: "application/json",
          ...(payload !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
      },
      (res) => {
        readAll(res).then((text) => {
          try {
            resolve({ status: res.statusCode ?? 0, body: (text === "" ? undefined : JSON.parse(text)) as T });
          } catch {
            reject(
              new Error(`${method} ${url}: answered ${res.statusCode} with non-JSON: ${text.slice(0, 200)}`),
            );
          }
        }, reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => {
      text += c;
    });
    res.on("end", () => resolve(text));
    res.on("error", reject);
  });
}

/** Reads an event stream until the server closes it; `onEvent` is called as each event arrives. */
export function readEvents(
  url: string,
  onEvent: (e: SseEvent) => void,
  headers: Record<string, string> = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "GET", headers: { accept: "text/event-stream", ...headers } },
      (res) => {
        if (res.statusCode !== 200) {
          readAll(res).then(
            (t) => reject(new Error(`GET ${url}: ${res.statusCode} ${t.slice(0, 200)}`)),
            reject,
          );
          return;
        }
        res.setEncoding("utf8");
        res.on("data", sseDecoder(onEvent));
        res.on("end", () => resolve());
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
