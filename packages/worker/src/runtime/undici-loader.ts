/**
 * Loads the two parts of undici the worker uses — `Agent` and `request` — and nothing else.
 *
 * `import "undici"` evaluates the whole package (fetch, WebSocket, caches, mocks, proxy agents, …): on a busy
 * 2-core machine that was 130–400 ms of a worker's cold start, about half of the SDK's import time. The worker
 * needs only a keep-alive connection pool and `request`, which load in a fraction of that. The package is pinned
 * to an exact version (package.json), so its file layout is fixed; should it ever differ (another copy hoisted),
 * the full package is loaded instead, at the old cost but with the same behaviour.
 *
 * Loading happens on first use (the first take), not on `import "@gantry/worker"`: tests, local mode and
 * `validate()` users never pay for it.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Dispatcher, Agent as UndiciAgent, request as undiciRequest } from "undici";

export type AgentOptions = ConstructorParameters<typeof UndiciAgent>[0];
export type RequestOptions = Parameters<typeof undiciRequest>[1];
export type ResponseData = Dispatcher.ResponseData<unknown>;

export interface UndiciParts {
  Agent: new (options?: AgentOptions) => UndiciAgent;
  /** undici's `request(url, options)`; `options.dispatcher` is required. */
  request(url: string, options: RequestOptions & { dispatcher: Dispatcher }): Promise<ResponseData>;
  /** Which way it was loaded (diagnostics and tests). */
  lean: boolean;
}

/** Where the lean parts live, for the heartbeat thread, which loads them on its own. */
export interface UndiciPaths {
  agent?: string;
  request?: string;
  full: string;
}

const require = createRequire(import.meta.url);
let cached: UndiciParts | undefined;
let paths: UndiciPaths | undefined;

export function undiciPaths(): UndiciPaths {
  if (paths) return paths;
  const full = require.resolve("undici");
  const root = dirname(full);
  paths = {
    full,
    agent: join(root, "lib", "dispatcher", "agent.js"),
    request: join(root, "lib", "api", "api-request.js"),
  };
  return paths;
}

type RequestFn = (this: Dispatcher, options: Record<string, unknown>) => Promise<ResponseData>;

function loadLean(p: UndiciPaths): UndiciParts | undefined {
  if (!p.agent || !p.request) return undefined;
  try {
    const Agent = require(p.agent) as unknown;
    const requestFn = require(p.request) as unknown;
    if (typeof Agent !== "function" || typeof requestFn !== "function") return undefined;
    const call = requestFn as RequestFn;
    return {
      Agent: Agent as UndiciParts["Agent"],
      // What undici's top-level `request` does for a string URL and an explicit dispatcher.
      request(url, options) {
        const u = new URL(url);
        const { dispatcher, ...rest } = options;
        return call.call(dispatcher, {
          ...rest,
          origin: u.origin,
          path: `${u.pathname}${u.search}`,
          method: options.method ?? "GET",
        });
      },
      lean: true,
    };
  } catch {
    return undefined;
  }
}

function loadFull(path: string): UndiciParts {
  const full = require(path) as typeof import("undici");
  return { Agent: full.Agent, request: (url, options) => full.request(url, options), lean: false };
}

/** The parts, loaded once (synchronously: they are CommonJS). */
export function loadUndici(): UndiciParts {
  if (cached) return cached;
  const p = undiciPaths();
  const parts = loadLean(p) ?? loadFull(p.full);
  cached = parts;
  return parts;
}
