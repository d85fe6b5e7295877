/** Middleware shared by the public and worker routes. */
import type { ServerResponse } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Platform } from "../engine/platform.js";
import type { AppEnv } from "./env.js";
import { errorResponse } from "./errors.js";
import { isValidId } from "./params.js";

/** 404 `endpoint <id> not found` for ids of the wrong shape and for endpoints the platform does not serve. */
export function requireEndpoint(platform: Platform): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = c.req.param("endpointId") ?? "";
    if (!isValidId(id) || !platform.hasEndpoint(id)) return errorResponse(c, 404, `endpoint ${id} not found`);
    return next();
  };
}

/**
 * Refuses a body over `maxBytes` while reading it: a declared Content-Length is checked before any byte is read,
 * and a chunked body is counted as it arrives, so an oversized body is never held in memory whole.
 */
export function limitBody(
  maxBytes: (c: Context<AppEnv>) => number,
  onTooLarge: (c: Context<AppEnv>, maxBytes: number) => Response | Promise<Response>,
): MiddlewareHandler<AppEnv> {
  return (c, next) => {
    const max = maxBytes(c);
    // The common case, a declared length and no chunking, is decided from the node request's headers alone:
    // Hono's bodyLimit would first turn the body into a web stream, which costs more than the request itself.
    const incoming = c.env?.incoming;
    if (incoming && incoming.headers["transfer-encoding"] === undefined) {
      const declared = incoming.headers["content-length"];
      if (declared !== undefined && /^\d+$/.test(declared)) {
        return Number(declared) > max ? Promise.resolve(onTooLarge(c, max)) : next();
      }
    }
    return bodyLimit({ maxSize: max, onError: (cc) => onTooLarge(cc as Context<AppEnv>, max) })(c, next);
  };
}

/** Open long-polls per shutdown signal: one shutdown listener for all of them, not one per request. */
const openPolls = new WeakMap<AbortSignal, Set<AbortController>>();

function pollsOf(shutdown: AbortSignal): Set<AbortController> {
  let polls = openPolls.get(shutdown);
  if (!polls) {
    const set = new Set<AbortController>();
    shutdown.addEventListener(
      "abort",
      () => {
        for (const ac of [...set]) ac.abort(shutdown.reason);
        set.clear();
      },
      { once: true },
    );
    openPolls.set(shutdown, set);
    polls = set;
  }
  return polls;
}

/** Why a long-poll ends when its client left: one shared reason, as `abort()` without one builds a DOMException. */
const CLIENT_GONE = new Error("client connection closed");

/**
 * Aborts when the client goes away or the server shuts down. `AbortSignal.any` per request cost ≈ 3 % of the
 * server's CPU on Node 20; this is one controller, closed with the response, and a shared shutdown listener.
 * The node response alone tells a drop from a finished answer, so the request's own signal (a second controller
 * in the adapter) is never created, and a poll that was answered is not aborted: nothing listens to it by then,
 * and an abort without a reason builds a DOMException with a stack (≈ 10 % of an idle renewal's CPU in a profile).
 */
export function longPollSignal(c: Context<AppEnv>, shutdown: AbortSignal): AbortSignal {
  if (shutdown.aborted) return shutdown;
  const outgoing = c.env?.outgoing;
  // Under `app.request` (tests) there is no node response to watch.
  if (!outgoing) return AbortSignal.any([c.req.raw.signal, shutdown]);
  return responseSignal(outgoing, shutdown);
}

/** `longPollSignal` for a node response (the fast lane has no Hono context). */
export function responseSignal(outgoing: ServerResponse, shutdown: AbortSignal): AbortSignal {
  if (shutdown.aborted) return shutdown;
  // 'close' already came: the client left before the handler ran.
  if (outgoing.destroyed && !outgoing.writableFinished) return AbortSignal.abort(CLIENT_GONE);
  const ac = new AbortController();
  const polls = pollsOf(shutdown);
  polls.add(ac);
  // 'close' comes when the response is done or the connection dropped first: either way the poll is over.
  outgoing.once("close", () => {
    polls.delete(ac);
    if (!outgoing.writableFinished) ac.abort(CLIENT_GONE);
  });
  return ac.signal;
}
