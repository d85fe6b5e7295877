/**
 * The one request path of the API: node's request and response in, the route table's route found by Hono's
 * `RegExpRouter` on the normalised path, its guards applied (guards.ts), its operation run and its answer or
 * error written (reply.ts). CORS preflights are answered first, before authentication; a path or method no
 * route has is a 404 `{"error": …}`; anything a handler did not expect becomes a logged 500, never an HTML page
 * or a crashed process. Every answer is counted in the HTTP metrics under its route's pattern (`unmatched`
 * when none).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { tryDecodeURIComponent } from "hono/utils/url";
import type { GantryMetrics } from "../../metrics/metrics.js";
import { BODY_TOO_LARGE, CLIENT_LEFT, drainBody } from "./body.js";
import { ApiCall } from "./call.js";
import type { RouteDeps } from "./deps.js";
import { ApiError } from "./errors.js";
import type { Guard } from "./guards.js";
import { pathOf, requestTarget } from "./path.js";
import { addEndpointPrefix } from "./prefix.js";
import {
  INTERNAL_ERROR,
  writeError,
  writeJsonText,
  writeNoContent,
  writePreflight,
  writeText,
} from "./reply.js";
import type { Answer, Route } from "./route.js";

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface DispatcherOptions {
  routes: readonly Route[];
  deps: RouteDeps;
  guard: Guard;
  metrics?: GantryMetrics | undefined;
  /** An endpoint whose public routes also answer without the `/v2/{id}` prefix (the local development server). */
  defaultEndpoint?: string | undefined;
}

/** The metrics label of a request no route answers (and of preflights). */
const UNMATCHED = "unmatched";
const BAD_TARGET = new ApiError(400, "request target is invalid");

export function createDispatcher(options: DispatcherOptions): RequestListener {
  const { deps, guard, metrics, defaultEndpoint } = options;
  const router = new RegExpRouter<Route>();
  for (const route of options.routes)
    for (const method of route.methods) router.add(method, route.path, route);
  const observe = (method: string, label: string, status: number): void =>
    metrics?.observeHttp(method, label, status);

  /** Writes the error of a request; an unexpected one is logged and answered 500. */
  const fail = (call: ApiCall, err: unknown, label: string): void => {
    if (err === CLIENT_LEFT) return;
    let error: ApiError;
    if (err instanceof ApiError) error = err;
    else {
      deps.logger.error({ err, method: call.method, path: call.target }, "unhandled error in request");
      error = INTERNAL_ERROR;
    }
    drainBody(call.req);
    writeError(call.res, error);
    observe(call.method, label, error.status);
  };

  const write = (call: ApiCall, answer: Answer, label: string): void => {
    const res = call.res;
    if ("json" in answer) {
      const text = JSON.stringify(answer.json);
      writeJsonText(res, 200, text);
      observe(call.method, label, 200);
    } else if ("noContent" in answer) {
      writeNoContent(res);
      observe(call.method, label, 204);
    } else if ("text" in answer) {
      writeText(res, answer.text, answer.contentType);
      observe(call.method, label, 200);
    } else observe(call.method, label, 200);
  };

  /** The guards, the operation, the answer: never rejects. */
  const serve = async (route: Route, call: ApiCall): Promise<void> => {
    const label = route.path;
    try {
      const verdict = guard(route, call);
      if (verdict !== undefined) {
        if (verdict !== "tooLarge") return fail(call, verdict, label);
        throw BODY_TOO_LARGE;
      }
      write(call, await route.handle(call), label);
    } catch (err) {
      try {
        if (err === BODY_TOO_LARGE && route.body)
          fail(call, await route.body.tooLarge(call, call.bodyLimit), label);
        else fail(call, err, label);
      } catch (second) {
        fail(call, second, label);
      }
    }
  };

  return (req, res) => {
    const method = req.method ?? "GET";
    let url = req.url ?? "/";
    // Rewritten before routing, so both forms reach exactly the same routes.
    if (defaultEndpoint !== undefined) url = addEndpointPrefix(url, defaultEndpoint);
    if (method === "OPTIONS") {
      writePreflight(res);
      observe(method, UNMATCHED, 204);
      return;
    }
    const target = requestTarget(url);
    const queryAt = target === undefined ? -1 : target.indexOf("?");
    const call = new ApiCall(req, res, method, target ?? url, queryAt, deps.shutdown);
    if (target === undefined) return fail(call, BAD_TARGET, UNMATCHED);
    const path = pathOf(target, queryAt);
    // A route answering GET answers HEAD too; node leaves the body out.
    const [matched, stash] = router.match(method === "HEAD" ? "GET" : method, path);
    const found = matched[0];
    if (found === undefined)
      return fail(call, new ApiError(404, `route ${method} ${path} not found`), UNMATCHED);
    const [route, params] = found;
    if (stash !== undefined) {
      const at = params as Record<string, number>;
      if (at.endpointId !== undefined) call.endpointId = param(stash[at.endpointId]);
      if (at.workerId !== undefined) call.workerId = param(stash[at.workerId]);
      if (at.jobId !== undefined) call.jobId = param(stash[at.jobId]);
    }
    void serve(route, call);
  };
}

/** A path parameter, percent-decoded when it holds an escape (an undecodable one is kept as sent). */
function param(raw: string | undefined): string {
  if (raw === undefined) return "";
  return raw.indexOf("%") === -1 ? raw : tryDecodeURIComponent(raw);
}
