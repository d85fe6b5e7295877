/**
 * The route table's shape. Every route of the API (public `/v2`, worker protocol, admin, operational) is one
 * `Route` value: what it answers (method, path), what it asks of the request before the handler runs (auth, a
 * served endpoint, a rate-limit token, a body within which limit), and the operation. The dispatcher
 * (dispatcher.ts) applies those guards in that order, the same code for every route.
 */

import type { RateLimitGroup } from "../../domain/rate-limits.js";
import type { ApiCall } from "./call.js";
import type { ByteLimitName } from "./deps.js";
import type { ApiError } from "./errors.js";

export type Method = "GET" | "POST" | "PATCH";

/**
 * Who may call: an API key (public API), the worker secret (worker protocol), an admin key (`auth.adminKeys`,
 * else any API key), or anyone.
 */
export type Auth = "apiKey" | "workerSecret" | "adminKey" | "none";

/** What an operation answers; errors are thrown as `ApiError`. */
export type Answer =
  /** 200 with the value as JSON. */
  | { readonly json: unknown }
  /** 204 without a body: a long-poll that found nothing. */
  | { readonly noContent: true }
  /** 200 with text of a type (`/metrics`). */
  | { readonly text: string; readonly contentType: string }
  /** The operation wrote the response itself (server-sent events); it counts as a 200. */
  | { readonly streamed: true };

export const NO_CONTENT: Answer = Object.freeze({ noContent: true as const });
export const STREAMED: Answer = Object.freeze({ streamed: true as const });

export interface BodyRule {
  /** An endpoint's byte limit (its config, else the server's), or a fixed number of bytes. */
  limit: ByteLimitName | number;
  /**
   * The refusal of a body over the limit, whether declared (refused before a byte is read) or counted while
   * arriving (chunked); it may act first, e.g. fail the job whose result was too large.
   */
  tooLarge(call: ApiCall, maxBytes: number): ApiError | Promise<ApiError>;
}

export interface Route {
  /** A route answering GET also answers HEAD, without the body. */
  methods: readonly Method[];
  /** The router's pattern, e.g. `/v2/:endpointId/run`; also the route's label in the HTTP metrics. */
  path: string;
  auth: Auth;
  /** `:endpointId` must be an endpoint the platform serves (else 404 `endpoint <id> not found`). */
  endpoint?: boolean;
  /** Takes a token of the group's bucket; `name` is the route as the 429 message names it. */
  rate?: { group: RateLimitGroup; name: string };
  /** Routes that read a body say within which limit. */
  body?: BodyRule;
  handle(call: ApiCall): Promise<Answer>;
}
