/** A stub-backed app served on loopback, with a small undici-based caller. */

import type { Readable } from "node:stream";
import { pino } from "pino";
import { type Dispatcher, request } from "undici";
import { type CreateAppOptions, createApp } from "../app.js";
import { listen } from "./serve.js";
import { StubPlatform } from "./stub-platform.js";

export const API_KEY = "test-api-key";
export const WORKER_SECRET = "test-worker-secret";

export interface CallOptions {
  method?: Dispatcher.HttpMethod;
  body?: string | Buffer | Readable;
  json?: unknown;
  headers?: Record<string, string>;
  /** Authorization value; default `Bearer <API_KEY>`; null sends none. */
  auth?: string | null;
  signal?: AbortSignal;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read replies loosely
  json: any;
}

export async function startStub(overrides: Partial<CreateAppOptions> = {}) {
  const platform = (overrides.platform as StubPlatform | undefined) ?? new StubPlatform();
  const app = createApp({
    platform,
    auth: { apiKeys: [API_KEY], workerSecret: WORKER_SECRET },
    logger: pino({ level: "silent" }),
    ...overrides,
  });
  const served = await listen(app);
  const call = async (path: string, opts: CallOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const auth = opts.auth === undefined ? `Bearer ${API_KEY}` : opts.auth;
    if (auth !== null) headers.authorization = auth;
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers["content-type"] ??= "application/json";
    }
    const res = await request(served.url + path, {
      method: opts.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = text === "" ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, json };
  };
  return { platform, app, url: served.url, call, close: served.close };
}
