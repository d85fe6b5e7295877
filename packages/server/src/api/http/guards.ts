/**
 * The guards a route's table entry asks for, as plain functions over the request, applied by the dispatcher in
 * one order for every route: auth (401), a served endpoint (404), a rate-limit token (429), a declared body
 * within its limit (the route's own refusal). All are decided from the request line and headers, before a byte
 * of the body is read.
 */
import { isValidId } from "@gantry/protocol";
import { type AuthOptions, createApiKeyCheck, createWorkerSecretCheck } from "./auth.js";
import type { ApiCall } from "./call.js";
import { byteLimit, type RouteDeps } from "./deps.js";
import { ApiError } from "./errors.js";
import { rateLimitKey } from "./rate-limit.js";
import type { Auth, Route } from "./route.js";

const UNAUTHORIZED = new ApiError(401, "Unauthorized");

/** Refuses the request (an error to answer), or says its declared body is over the limit, or passes it. */
export type GuardVerdict = ApiError | "tooLarge" | undefined;

export type Guard = (route: Route, call: ApiCall) => GuardVerdict;

export interface GuardOptions {
  deps: RouteDeps;
  auth: AuthOptions;
  /** Only these keys reach `adminKey` routes when set (non-empty); otherwise any API key does. */
  adminKeys?: readonly string[] | undefined;
}

export function createGuard({ deps, auth, adminKeys }: GuardOptions): Guard {
  const apiKeyOf = createApiKeyCheck(auth);
  const adminKeyOf =
    adminKeys !== undefined && adminKeys.length > 0
      ? createApiKeyCheck({ ...auth, apiKeys: adminKeys })
      : apiKeyOf;
  const hasSecret = createWorkerSecretCheck(auth);
  const { platform, limiter } = deps;

  /** Sets `call.apiKey` for the key-authenticated routes; false when the request may not pass. */
  const authorised = (kind: Auth, call: ApiCall): boolean => {
    if (kind === "none") return true;
    const header = call.header("authorization");
    if (kind === "workerSecret") return hasSecret(header);
    const key = kind === "apiKey" ? apiKeyOf(header) : adminKeyOf(header);
    if (key === undefined) return false;
    call.apiKey = key;
    return true;
  };

  return (route, call) => {
    if (!authorised(route.auth, call)) return UNAUTHORIZED;
    const endpointId = call.endpointId;
    if (route.endpoint && (!isValidId(endpointId) || !platform.hasEndpoint(endpointId)))
      return new ApiError(404, `endpoint ${endpointId} not found`);
    const rate = route.rate;
    if (rate) {
      const waitMs = limiter.take(rate.group, rateLimitKey(call.apiKey, endpointId));
      if (waitMs > 0) {
        const seconds = Math.max(1, Math.ceil(waitMs / 1000));
        return new ApiError(429, `rate limit exceeded for /${rate.name}; retry after ${seconds} s`, {
          "Retry-After": String(seconds),
        });
      }
    }
    const body = route.body;
    if (body) {
      const max = typeof body.limit === "number" ? body.limit : byteLimit(deps, endpointId, body.limit);
      call.bodyLimit = max;
      if (declaredOver(call, max)) return "tooLarge";
    }
    return undefined;
  };
}

const DIGITS = /^\d+$/;

/** A declared Content-Length over `max` (a chunked body is counted as it arrives instead). */
function declaredOver(call: ApiCall, max: number): boolean {
  const headers = call.req.headers;
  if (headers["transfer-encoding"] !== undefined) return false;
  const declared = headers["content-length"];
  return declared !== undefined && DIGITS.test(declared) && Number(declared) > max;
}
