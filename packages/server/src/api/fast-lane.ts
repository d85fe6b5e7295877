/**
 * The fast lane: the routes every job passes through, answered straight from node's request and response in
 * front of the Hono app: `/run`, `/runsync`, `/status` (which RunPod's clients poll for every job), and the
 * worker protocol (job-take, job-take-batch, job-stop, job-done, job-done-batch, job-stream, ping). Per request
 * the Hono path builds a web `Request` over the node request, runs the middleware chain (metrics, CORS, key,
 * endpoint, rate limit, body size: one async frame each) and converts a `Response` back; that was ≈ 40 % of the
 * server's CPU per `/run` (≈ 45 of ≈ 115 µs, issue #6). Everything else stays on Hono.
 *
 * The lane takes a request only when it is the plain case, decided from the request line and headers before a
 * byte of the body is read: the canonical path with ids of the valid shape, the right key or worker secret, a
 * served endpoint, a declared length within the endpoint's limit (or no body on a GET), the queries each route
 * reads, and for the public routes a free rate-limit token. Anything else falls through to Hono untouched, which
 * answers it (401, 404, 413, 429, chunked bodies, odd paths, a result over the limit that fails its job) as it
 * always did. Past the guards both ways run the same operations (submit.ts, status.ts, worker-ops.ts), and
 * errors get the body and headers the app's error handler gives; `fast-lane.test.ts` sends the same requests
 * both ways and compares the answers.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { getQueryParam } from "hono/utils/url";
import type { GantryMetrics } from "../metrics/metrics.js";
import { type AuthOptions, createApiKeyCheck, createWorkerSecretCheck } from "./auth.js";
import { responseDelivery } from "./delivery.js";
import { type ByteLimitName, byteLimit, type RouteDeps } from "./deps.js";
import { ApiError } from "./errors.js";
import { COMMON_HEADERS, headerText, JSON_HEADERS } from "./fast-response.js";
import { responseSignal } from "./guards.js";
import { isValidId } from "./params.js";
import { rateLimitKey } from "./rate-limit.js";
import { jobStatus } from "./status.js";
import { submitJob } from "./submit.js";
import {
  type OpAnswer,
  ping,
  pollStops,
  postDone,
  postDoneBatch,
  postStream,
  takeJobs,
  type WorkerCall,
} from "./worker-ops.js";

/** Answers the request and returns true, or returns false without touching it (Hono answers it then). */
export type FastLane = (req: IncomingMessage, res: ServerResponse) => boolean;

const SUBMIT_PATH = /^\/v2\/([^/]+)\/(run|runsync)$/;
/** `/v2/{endpoint}/{route}/{worker}[/{job}]` with ids of the valid shape (anything else is Hono's to refuse). */
const WORKER_PATH =
  /^\/v2\/([A-Za-z0-9_-]{1,200})\/(job-take|job-take-batch|job-stop|ping|job-done-batch|job-done|job-stream)\/([A-Za-z0-9_-]{1,200})(?:\/([A-Za-z0-9_-]{1,200}))?$/;
const WAIT_ONLY = /^wait=(\d+)$/;
const DIGITS = /^\d+$/;
const STATUS_PATH = /^\/v2\/([A-Za-z0-9_-]{1,200})\/status\/([A-Za-z0-9_-]{1,200})$/;
const ROUTE = {
  run: "/v2/:endpointId/run",
  runsync: "/v2/:endpointId/runsync",
  status: "/v2/:endpointId/status/:jobId",
} as const;

/** No body announced: no length (or zero) and no chunking. */
const noBody = (req: IncomingMessage): boolean => {
  const declared = req.headers["content-length"];
  return req.headers["transfer-encoding"] === undefined && (declared === undefined || declared === "0");
};

type WorkerOp = (deps: RouteDeps, call: WorkerCall) => Promise<OpAnswer>;

interface WorkerRoute {
  method: "GET" | "POST";
  /** Whether the path ends in a job id. */
  job: boolean;
  /** The body's limit (POST routes). */
  limit?: ByteLimitName;
  op: WorkerOp;
  /** The route's label in the HTTP metrics, as Hono's router names it. */
  route: string;
}

const WORKER_ROUTES: Readonly<Record<string, WorkerRoute>> = {
  "job-take": {
    method: "GET",
    job: false,
    op: (d, call) => takeJobs(d, call, false),
    route: "/v2/:endpointId/job-take/:workerId",
  },
  "job-take-batch": {
    method: "GET",
    job: false,
    op: (d, call) => takeJobs(d, call, true),
    route: "/v2/:endpointId/job-take-batch/:workerId",
  },
  "job-stop": { method: "GET", job: false, op: pollStops, route: "/v2/:endpointId/job-stop/:workerId" },
  ping: { method: "GET", job: false, op: ping, route: "/v2/:endpointId/ping/:workerId" },
  "job-done": {
    method: "POST",
    job: true,
    limit: "resultBytes",
    op: postDone,
    route: "/v2/:endpointId/job-done/:workerId/:jobId",
  },
  "job-done-batch": {
    method: "POST",
    job: false,
    limit: "resultBytes",
    op: postDoneBatch,
    route: "/v2/:endpointId/job-done-batch/:workerId",
  },
  "job-stream": {
    method: "POST",
    job: true,
    limit: "streamChunkBytes",
    op: postStream,
    route: "/v2/:endpointId/job-stream/:workerId/:jobId",
  },
};

export interface FastLaneOptions {
  deps: RouteDeps;
  auth: AuthOptions;
  metrics?: GantryMetrics;
}

export function createFastLane({ deps, auth, metrics }: FastLaneOptions): FastLane {
  const apiKeyOf = createApiKeyCheck(auth);
  const hasSecret = createWorkerSecretCheck(auth);
  /** Runs the operation and writes its answer; nothing it throws may escape as an unhandled rejection. */
  const serve = (
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    route: string,
    op: () => Promise<OpAnswer>,
  ): void => {
    replyOf(deps, req, op)
      .then((reply) => {
        if (!reply) return;
        metrics?.observeHttp(method, route, reply.status);
        write(res, reply);
      })
      .catch((err: unknown) => {
        deps.logger.error({ err, method, path: req.url }, "fast lane: writing the answer failed");
        res.destroy();
      });
  };

  const worker = (req: IncomingMessage, res: ServerResponse, url: string, q: number): boolean => {
    const m = WORKER_PATH.exec(q === -1 ? url : url.slice(0, q));
    if (!m) return false;
    const r = WORKER_ROUTES[m[2] as string] as WorkerRoute;
    const jobId = m[4];
    if (req.method !== r.method || r.job !== (jobId !== undefined)) return false;
    const endpointId = m[1] as string;
    if (!deps.platform.hasEndpoint(endpointId)) return false;
    const headers = req.headers;
    if (!hasSecret(headerText(headers.authorization))) return false;
    const declared = headers["content-length"];
    if (r.limit) {
      if (headers["transfer-encoding"] !== undefined || declared === undefined || !DIGITS.test(declared))
        return false;
      if (Number(declared) > byteLimit(deps, endpointId, r.limit)) return false;
    } else if (!noBody(req)) {
      return false; // a GET with a body is not the plain case
    }
    // Hono's own decoding of the query (first occurrence), read from the same URL.
    const full = q === -1 ? undefined : `http://lane${url}`;
    const call: WorkerCall = {
      endpointId,
      workerId: m[3] as string,
      jobId,
      query: (name) => (full === undefined ? undefined : (getQueryParam(full, name) as string | undefined)),
      body: () => readBody(req),
      signal: () => responseSignal(res, deps.shutdown),
      delivery: responseDelivery(res),
    };
    serve(req, res, r.method, r.route, () => r.op(deps, call));
    return true;
  };

  /** The API key when the request may pass the public routes' guards, else undefined (Hono answers it). */
  const publicKey = (req: IncomingMessage, endpointId: string): string | undefined => {
    if (!isValidId(endpointId) || !deps.platform.hasEndpoint(endpointId)) return undefined;
    return apiKeyOf(headerText(req.headers.authorization));
  };
  /** Takes a rate-limit token; last among the guards. A refusal takes none, so Hono's own check refuses too. */
  const allowed = (group: "run" | "runsync" | "status", apiKey: string, endpointId: string): boolean =>
    deps.limiter.take(group, rateLimitKey(apiKey, endpointId)) === 0;

  const submission = (req: IncomingMessage, res: ServerResponse, url: string, q: number): boolean => {
    if (req.method !== "POST") return false;
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
    const apiKey = publicKey(req, endpointId);
    if (apiKey === undefined) return false;
    const headers = req.headers;
    const declared = headers["content-length"];
    if (headers["transfer-encoding"] !== undefined || declared === undefined || !DIGITS.test(declared))
      return false;
    if (Number(declared) > byteLimit(deps, endpointId, sync ? "runsyncBytes" : "runBytes")) return false;
    if (!allowed(kind, apiKey, endpointId)) return false;
    const submit = async (): Promise<OpAnswer> => ({
      json: await submitJob(deps, {
        endpointId,
        sync,
        idempotencyKey: headerText(headers["idempotency-key"]),
        wait,
        body: () => readBody(req),
        signal: () => responseSignal(res, deps.shutdown),
      }),
    });
    serve(req, res, "POST", ROUTE[kind], submit);
    return true;
  };

  const status = (req: IncomingMessage, res: ServerResponse, url: string, q: number): boolean => {
    const method = req.method;
    if ((method !== "GET" && method !== "POST") || q !== -1) return false;
    const m = STATUS_PATH.exec(url);
    if (!m || !noBody(req)) return false;
    const endpointId = m[1] as string;
    const apiKey = publicKey(req, endpointId);
    if (apiKey === undefined || !allowed("status", apiKey, endpointId)) return false;
    const answer = async (): Promise<OpAnswer> => ({
      json: await jobStatus(deps, endpointId, m[2] as string),
    });
    serve(req, res, method, ROUTE.status, answer);
    return true;
  };

  return (req, res) => {
    const url = req.url ?? "";
    if (!url.startsWith("/v2/")) return false;
    const q = url.indexOf("?");
    return worker(req, res, url, q) || submission(req, res, url, q) || status(req, res, url, q);
  };
}

interface Reply {
  status: number;
  /** JSON text; undefined for 204. */
  text: string | undefined;
  headers?: Record<string, string> | undefined;
}

/** Runs the operation and turns its answer or its error into what the app would have answered. */
async function replyOf(
  deps: RouteDeps,
  req: IncomingMessage,
  op: () => Promise<OpAnswer>,
): Promise<Reply | undefined> {
  try {
    const answer = await op();
    return "json" in answer
      ? { status: 200, text: JSON.stringify(answer.json) }
      : { status: 204, text: undefined };
  } catch (err) {
    if (err === CLIENT_LEFT) return undefined;
    if (err instanceof ApiError) {
      return { status: err.status, text: JSON.stringify({ error: err.message }), headers: err.headers };
    }
    deps.logger.error({ err, method: req.method, path: req.url }, "unhandled error in request");
    return { status: 500, text: JSON.stringify({ error: "internal server error" }) };
  }
}

function write(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  if (reply.text === undefined) {
    res.writeHead(reply.status, COMMON_HEADERS);
    res.end();
    return;
  }
  const headers: Record<string, string | number> = { ...JSON_HEADERS };
  if (reply.headers) for (const [k, v] of Object.entries(reply.headers)) headers[k.toLowerCase()] = v;
  headers["content-length"] = Buffer.byteLength(reply.text);
  res.writeHead(reply.status, headers);
  res.end(reply.text);
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
