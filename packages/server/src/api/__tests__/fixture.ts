/**
 * The real thing for route tests: an `Engine` over an in-memory SQLite store behind the API's listener, served
 * on loopback as a server serves it, with a small undici-based caller and helpers that drive jobs through the worker routes.
 * The sweeper is not started; tests run a sweep at a chosen time with `sweepAt` (e.g. far past a TTL).
 */

import type { Readable } from "node:stream";
import { pino } from "pino";
import { type Dispatcher, request } from "undici";
import { type EndpointConfigInput, resolveEndpoint } from "../../domain/endpoint.js";
import { Engine, type EngineOptions } from "../../engine/engine.js";
import type { Platform } from "../../engine/platform.js";
import { openSqliteStore } from "../../store/sqlite.js";
import { type CreateApiOptions, createApi } from "../create-api.js";
import { listen } from "./serve.js";

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

export interface StartOptions extends Partial<Omit<CreateApiOptions, "platform">> {
  /** Endpoints served; default one endpoint `ep1` with default settings. */
  endpoints?: EndpointConfigInput[];
  engine?: EngineOptions;
  /** Lets a test put a fault in front of the real engine (e.g. a method that throws). */
  platform?: (engine: Engine) => Platform;
}

export async function startApi(options: StartOptions = {}) {
  const { endpoints: endpointInputs, engine: engineOptions, platform: wrap, ...appOptions } = options;
  const store = await openSqliteStore({ path: ":memory:" });
  const endpoints = new Map(
    (endpointInputs ?? [{ id: "ep1" }]).map((e) => {
      const c = resolveEndpoint(e);
      return [c.id, c] as const;
    }),
  );
  // The app's `takeHoldMs` decides how long job-take/job-stop hold; the engine's bound only has to be above it.
  const engine = new Engine({
    store,
    endpoints,
    options: { takeHoldMs: 85_000, stopHoldMs: 85_000, ...engineOptions },
  });
  const { listener, routes } = createApi({
    platform: wrap ? wrap(engine) : engine,
    auth: { apiKeys: [API_KEY], workerSecret: WORKER_SECRET },
    logger: pino({ level: "silent" }),
    ...appOptions,
  });
  const served = await listen(listener);

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
      // A fresh connection per call: after an oversized body the server closes its socket, and a reused one
      // would race that close.
      reset: true,
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

  /** A worker call as the Python SDK makes it: raw secret, JSON sent as form content. */
  const worker = (path: string, body?: unknown): Promise<Reply> =>
    call(path, {
      auth: WORKER_SECRET,
      ...(body !== undefined
        ? {
            body: typeof body === "string" ? body : JSON.stringify(body),
            headers: { "content-type": "application/x-www-form-urlencoded" },
          }
        : {}),
    });

  const expectOk = (r: Reply, what: string): Reply => {
    if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status} ${r.text}`);
    return r;
  };

  return {
    engine,
    store,
    /** The route table the listener serves. */
    routes,
    url: served.url,
    call,
    worker,
    /** `/run` with `{input}` (or a whole body); returns the job id. */
    async submit(input: unknown = { x: 1 }, body: Record<string, unknown> = {}): Promise<string> {
      return expectOk(await call("/v2/ep1/run", { json: { input, ...body } }), "run").json.id;
    },
    /** Hands the next queued job to `workerId` through job-take; returns the job as the worker sees it. */
    async take(workerId = "w1") {
      return expectOk(await worker(`/v2/ep1/job-take/${workerId}?gpu=none&job_in_progress=0`), "take").json;
    },
    async done(workerId: string, jobId: string, body: unknown, isStream = false) {
      return expectOk(
        await worker(`/v2/ep1/job-done/${workerId}/${jobId}?gpu=none&isStream=${isStream}`, body),
        "job-done",
      );
    },
    async chunk(workerId: string, jobId: string, output: unknown) {
      return expectOk(
        await worker(`/v2/ep1/job-stream/${workerId}/${jobId}?gpu=none&isStream=false`, { output }),
        "job-stream",
      );
    },
    async status(jobId: string) {
      return (await call(`/v2/ep1/status/${jobId}`)).json;
    },
    queued: () => store.jobs.queuedCount("ep1"),
    /** One sweep as if the clock read `now` (TTL, retention, leases, execution timeouts). */
    sweepAt: (now: number) => engine.sweeper.tick(now),
    async close() {
      await engine.stop();
      await served.close();
      await store.close();
    },
  };
}

export type Api = Awaited<ReturnType<typeof startApi>>;

/** Resolves once `check` holds, re-checking on each turn of the event loop (no fixed sleeps). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}
