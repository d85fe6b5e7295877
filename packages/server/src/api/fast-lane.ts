/**
 * The fast lane: `/run` and `/runsync` answered straight from node's request and response, in front of the
 * Hono app. Per request the Hono path builds a web `Request` over the node request, runs the middleware chain
 * (metrics, CORS, key, endpoint, rate limit, body size: one async frame each) and converts a `Response` back;
 * that was ≈ 40 % of the server's CPU per `/run` (≈ 45 of ≈ 115 µs, issue #6). Submissions are the one route
 * every job passes through, so they get the lane; everything else stays on Hono.
 *
 * The lane takes a request only when it is the plain case, decided from the request line and headers before a
 * byte of the body is read: the canonical path, a valid key, a served endpoint, a declared length within the
 * endpoint's limit, no query other than a runsync's `wait=<digits>`, and a free rate-limit token. Anything else
 * falls through to Hono untouched, which answers it (401, 404, 413, 429, chunked bodies, odd paths) as it always
 * did. Past the guards both ways run `submitJob` (submit.ts), and errors get the body and headers the app's
 * error handler gives; `fast-lane.test.ts` sends the same requests both ways and compares the answers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GantryMetrics } from "../metrics/metrics.js";
import { type AuthOptions, createKeyMatcher, extractKey } from "./auth.js";
import { byteLimit, type RouteDeps } from "./deps.js";
import { ApiError } from "./errors.js";
import { COMMON_HEADERS } from "./fast-response.js";
import { responseSignal } from "./guards.js";
import { isValidId } from "./params.js";
import { submitJob } from "./submit.js";

/** Answers the request and returns true, or returns false without touching it (Hono answers it then). */
export type FastLane = (req: IncomingMessage, res: ServerResponse) => boolean;

const SUBMIT_PATH = /^\/v2\/([^/]+)\/(run|runsync)$/;
const WAIT_ONLY = /^wait=(\d+)$/;
const DIGITS = /^\d+$/;
const ROUTE = { run: "/v2/:endpointId/run", runsync: "/v2/:endpointId/runsync" } as const;

/** Headers of a JSON answer, as the app's hot routes send them (fast-response.ts). */
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  ...COMMON_HEADERS,
  "content-type": "application/json",
});

const headerText = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v.join(", ") : v;

export interface FastLaneOptions {
  deps: RouteDeps;
  auth: AuthOptions;
  metrics?: GantryMetrics;
}

export function createFastLane({ deps, auth, metrics }: FastLaneOptions): FastLane {
  const matches = createKeyMatcher(auth.apiKeys);
  return (req, res) => {
    if (req.method !== "POST") return false;
    const url = req.url ?? "";
    const q = url.indexOf("?");
    const m = SUBMIT_PATH.exec(q === -1 ? url : url.slice(0, q));
    if (!m) return false;
    const endpointId = m[1] as string;
    const kind = m[2] as "run" | "runsync";
    const sync = kind === "runsync";
    let wait: string | undefined;
    if (q !== -1) {
      const w = sync ? WAIT_ONLY.exec(url.slice(q + 1)) : null;
      if (!w) return false;
      wait = w[1];
    }
    if (!isValidId(endpointId) || !deps.platform.hasEndpoint(endpointId)) return false;
    const headers = req.headers;
    let apiKey = "anonymous";
    if (!auth.disabled) {
      const key = extractKey(headerText(headers.authorization));
      if (key === undefined || !matches(key)) return false;
      apiKey = key;
    }
    const declared = headers["content-length"];
    if (headers["transfer-encoding"] !== undefined || declared === undefined || !DIGITS.test(declared))
      return false;
    if (Number(declared) > byteLimit(deps, endpointId, sync ? "runsyncBytes" : "runBytes")) return false;
    // Last, as it takes a token; a refusal takes none, so Hono's own check refuses the same request.
    if (deps.limiter.take(kind, `${apiKey}\u0000${endpointId}`) !== 0) return false;
    void answer(deps, req, res, {
      endpointId,
      sync,
      wait,
      route: ROUTE[kind],
      idempotencyKey: headerText(headers["idempotency-key"]),
      metrics,
    });
    return true;
  };
}

async function answer(
  deps: RouteDeps,
  req: IncomingMessage,
  res: ServerResponse,
  o: {
    endpointId: string;
    sync: boolean;
    wait: string | undefined;
    route: string;
    idempotencyKey: string | undefined;
    metrics: GantryMetrics | undefined;
  },
): Promise<void> {
  let status = 200;
  let text: string;
  let extra: Record<string, string> | undefined;
  try {
    text = JSON.stringify(
      await submitJob(deps, {
        endpointId: o.endpointId,
        sync: o.sync,
        idempotencyKey: o.idempotencyKey,
        wait: o.wait,
        body: () => readBody(req),
        signal: () => responseSignal(res, deps.shutdown),
      }),
    );
  } catch (err) {
    if (err === CLIENT_LEFT) return;
    if (err instanceof ApiError) {
      status = err.status;
      text = JSON.stringify({ error: err.message });
      extra = err.headers;
    } else {
      deps.logger.error({ err, method: "POST", path: req.url }, "unhandled error in request");
      status = 500;
      text = JSON.stringify({ error: "internal server error" });
    }
  }
  o.metrics?.observeHttp("POST", o.route, status);
  if (res.destroyed) return;
  const headers: Record<string, string | number> = { ...JSON_HEADERS };
  if (extra) for (const [k, v] of Object.entries(extra)) headers[k.toLowerCase()] = v;
  headers["content-length"] = Buffer.byteLength(text);
  res.writeHead(status, headers);
  res.end(text);
}

const CLIENT_LEFT = new Error("client connection closed while sending the body");

/** The body as text, as `Request.text()` reads it (UTF-8, a leading byte-order mark dropped). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.once("end", () => {
      const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString("utf8");
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    req.once("error", reject);
    // The client left mid-body: no job is created, and there is no one to answer.
    req.once("aborted", () => reject(CLIENT_LEFT));
  });
}
