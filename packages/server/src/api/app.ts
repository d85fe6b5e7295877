/**
 * `createApp`: the whole HTTP surface of a Gantry server as one Hono app, built on the `Platform` seam only.
 * Routing is on the normalised path; CORS is answered before authentication; anything a handler did not expect
 * becomes a logged 500 `{"error": …}`, never an HTML page or a crashed process.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import { type Logger, pino } from "pino";
import type { Platform } from "../engine/platform.js";
import type { GantryMetrics } from "../metrics/metrics.js";
import { type AdminOptions, registerAdminRoutes } from "./admin-routes.js";
import { type AuthOptions, requireApiKey } from "./auth.js";
import { type ApiLimits, DEFAULT_LIMITS, type EndpointByteLimits, type RouteDeps } from "./deps.js";
import type { AppEnv } from "./env.js";
import { ApiError, type ErrorStatus, errorResponse } from "./errors.js";
import { createFastLane, type FastLane } from "./fast-lane.js";
import { COMMON_HEADERS, isComplete } from "./fast-response.js";
import { openApiDocument } from "./openapi.js";
import { getNormalisedPath } from "./path.js";
import { registerPublicRoutes } from "./public-routes.js";
import { RateLimiter, type RateLimits } from "./rate-limit.js";
import { registerWorkerRoutes } from "./worker-routes.js";

export interface CreateAppOptions {
  platform: Platform;
  auth: AuthOptions;
  limits?: Partial<ApiLimits> & { rateLimits?: RateLimits | false };
  logger?: Logger;
  metrics?: GantryMetrics;
  /** Per-endpoint byte limits (from the endpoint's config); `limits` applies where this returns nothing. */
  endpointLimits?: (endpointId: string) => EndpointByteLimits | undefined;
  /** Aborting it ends every open long-poll at once (server shutdown). */
  shutdownSignal?: AbortSignal;
  /** `/metrics` requires an API key (config `metrics.auth`); default open. */
  metricsAuth?: boolean;
  /** Serves the admin API (`/admin/v1/…`) when given. */
  admin?: AdminOptions;
}

const CORS_HEADERS = [
  "authorization",
  "content-type",
  "user-agent",
  "last-event-id",
  "idempotency-key",
  "x-request-id",
];

const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  "access-control-max-age": "600",
  "access-control-allow-methods": "GET,POST,PATCH,OPTIONS",
  "access-control-allow-headers": CORS_HEADERS.join(","),
});

/** The Hono app and, for a node server, the fast lane in front of it (fast-lane.ts), sharing one set of deps. */
export interface ApiHandlers {
  app: Hono<AppEnv>;
  fastLane: FastLane;
}

export function createApp(options: CreateAppOptions): Hono<AppEnv> {
  return createApiHandlers(options).app;
}

export function createApiHandlers(options: CreateAppOptions): ApiHandlers {
  const logger = options.logger ?? pino({ level: "silent" });
  const { rateLimits, ...limitOverrides } = options.limits ?? {};
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...stripUndefined(limitOverrides) };
  const deps: RouteDeps = {
    platform: options.platform,
    limits,
    endpointLimits: options.endpointLimits ?? (() => undefined),
    logger,
    limiter: new RateLimiter(rateLimits ?? {}),
    shutdown: options.shutdownSignal ?? new AbortController().signal,
  };
  const metrics = options.metrics;

  const app = new Hono<AppEnv>({ getPath: getNormalisedPath });

  if (metrics) {
    app.use(async (c, next) => {
      await next();
      const route = routePath(c, -1);
      metrics.observeHttp(
        c.req.method,
        route === "" || route === "/*" || route === "*" ? "unmatched" : route,
        c.res.status,
      );
    });
  }

  // CORS (any origin; preflights answered here, before authentication) and `X-Gantry-Version`, which lets
  // clients tell Gantry from RunPod's cloud, e.g. to prefer server-sent events for progress (opening SSE on
  // RunPod would drain its `/stream` buffer instead). Nothing touches `c.res` before the handler ran: a
  // response created early is copied when the handler's replaces it. Hot routes answer with the headers built
  // in (fast-response.ts) and are left alone.
  app.use(async (c, next) => {
    if (c.req.method === "OPTIONS") return new Response(null, { status: 204, headers: PREFLIGHT_HEADERS });
    await next();
    if (isComplete(c.res)) return;
    const headers = c.res.headers;
    for (const name in COMMON_HEADERS) headers.set(name, COMMON_HEADERS[name] as string);
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }, 200));
  app.get("/openapi.json", (c) => c.json(openApiDocument(), 200));
  if (metrics) {
    if (options.metricsAuth) app.use("/metrics", requireApiKey(options.auth));
    app.get("/metrics", async (c) => {
      const text = await metrics.render();
      return c.body(text, 200, { "Content-Type": metrics.contentType });
    });
  }

  registerPublicRoutes(app, deps, options.auth);
  registerWorkerRoutes(app, deps, options.auth);
  if (options.admin) registerAdminRoutes(app, deps, options.auth, options.admin);

  app.notFound((c) => errorResponse(c, 404, `route ${c.req.method} ${c.req.path} not found`));

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err.status, err.message, err.headers);
    if (err instanceof HTTPException) {
      const status = err.status as ErrorStatus;
      if (status < 500) return errorResponse(c, status, err.message || "bad request");
    }
    logger.error({ err, method: c.req.method, path: c.req.path }, "unhandled error in request");
    return errorResponse(c, 500, "internal server error");
  });

  return { app, fastLane: createFastLane({ deps, auth: options.auth, ...(metrics ? { metrics } : {}) }) };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
