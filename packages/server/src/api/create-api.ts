/**
 * `createApi`: the whole HTTP surface of a Gantry server as one node request listener, built on the `Platform`
 * seam (and, for the admin API, its `AdminOptions` seam): the route table of every part (public, worker, admin,
 * operational) served by one dispatcher.
 */
import { type Logger, pino } from "pino";
import type { RateLimits } from "../domain/rate-limits.js";
import type { Platform } from "../engine/platform.js";
import type { GantryMetrics } from "../metrics/metrics.js";
import { adminRoutes } from "./admin/routes.js";
import type { AdminOptions } from "./admin/seam.js";
import type { AuthOptions } from "./http/auth.js";
import {
  type ApiLimits,
  DEFAULT_LIMITS,
  type EndpointByteLimits,
  type RouteDeps,
  TAKE_MAX,
} from "./http/deps.js";
import { createDispatcher, type RequestListener } from "./http/dispatcher.js";
import { createGuard } from "./http/guards.js";
import { RateLimiter } from "./http/rate-limit.js";
import type { Route } from "./http/route.js";
import { publicRoutes } from "./public/routes.js";
import { systemRoutes } from "./system/routes.js";
import { workerRoutes } from "./worker/routes.js";

export interface CreateApiOptions {
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
  /** An endpoint whose public routes also answer without the `/v2/{id}` prefix (the local development server). */
  defaultEndpoint?: string;
}

export interface Api {
  /** The node `request` listener serving every route. */
  listener: RequestListener;
  /** The route table it serves. */
  routes: readonly Route[];
}

export function createApi(options: CreateApiOptions): Api {
  const logger = options.logger ?? pino({ level: "silent" });
  const { rateLimits, ...limitOverrides } = options.limits ?? {};
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...stripUndefined(limitOverrides) };
  limits.maxBatchSize = Math.min(Math.max(1, Math.floor(limits.maxBatchSize)), TAKE_MAX);
  const deps: RouteDeps = {
    platform: options.platform,
    limits,
    endpointLimits: options.endpointLimits ?? (() => undefined),
    logger,
    limiter: new RateLimiter(rateLimits ?? {}),
    shutdown: options.shutdownSignal ?? new AbortController().signal,
  };
  const routes: Route[] = [
    ...systemRoutes({ metrics: options.metrics, metricsAuth: options.metricsAuth }),
    ...publicRoutes(deps),
    ...workerRoutes(deps),
    ...(options.admin ? adminRoutes(deps, options.admin) : []),
  ];
  const guard = createGuard({ deps, auth: options.auth, adminKeys: options.admin?.adminKeys });
  const listener = createDispatcher({
    routes,
    deps,
    guard,
    metrics: options.metrics,
    defaultEndpoint: options.defaultEndpoint,
  });
  return { listener, routes };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
