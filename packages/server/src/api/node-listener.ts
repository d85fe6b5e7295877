/**
 * The node `request` listener of a Gantry server: the fast lane first (fast-lane.ts), then the Hono app for
 * whatever the lane leaves. The server and the route tests' fixture both serve through it, so the tests exercise
 * the production path.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { Hono } from "hono";
import { addEndpointPrefix } from "../dev/prefix.js";
import type { AppEnv } from "./env.js";
import type { FastLane } from "./fast-lane.js";

export interface NodeListenerOptions {
  /** Without it every request goes to the Hono app. */
  fastLane?: FastLane | undefined;
  /** The host the server listens on (the adapter builds request URLs with it). */
  hostname?: string;
  /** An endpoint whose public routes also answer without the `/v2/{id}` prefix (the local development server). */
  defaultEndpoint?: string | undefined;
}

export function nodeListener(
  app: Hono<AppEnv>,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const { fastLane, defaultEndpoint } = options;
  const hono = getRequestListener(app.fetch, options.hostname ? { hostname: options.hostname } : {});
  return (req, res) => {
    // The raw URL is rewritten before anything routes the request, so both forms reach exactly the same handlers.
    if (defaultEndpoint !== undefined && req.url !== undefined)
      req.url = addEndpointPrefix(req.url, defaultEndpoint);
    if (fastLane?.(req, res)) return;
    void hono(req, res);
  };
}
