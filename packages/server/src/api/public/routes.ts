/**
 * The client-facing `/v2/{endpointId}/…` routes (docs/api.md, "Public API"). Every success is HTTP 200 with
 * JSON; every error is `{"error": "…"}`. Semantics are the platform's; these operations validate and adapt.
 */
import { parseListLimit, parseStatusFilter, parseWait } from "@gantry/protocol";
import type { JobView } from "../../domain/job.js";
import { DEFAULT_WAIT_MS, formatBytes, type RouteDeps } from "../http/deps.js";
import { ApiError } from "../http/errors.js";
import { unwrap } from "../http/outcome.js";
import type { Route } from "../http/route.js";
import { acceptsEventStream } from "../http/sse.js";
import { accepted } from "../http/validate.js";
import { streamEvents } from "./events.js";
import { checkedJobId, jobNotFound, jobStatus } from "./status.js";
import { submitJob } from "./submit.js";

const EP = "/v2/:endpointId";

/** Every public route: an API key, a served endpoint, and a token of its rate-limit group. */
const guarded = { auth: "apiKey", endpoint: true } as const;

const tooLarge = (_call: unknown, bytes: number): ApiError =>
  new ApiError(413, `json is invalid; max size is ${formatBytes(bytes)}`);

export function publicRoutes(deps: RouteDeps): Route[] {
  const { platform } = deps;
  return [
    {
      methods: ["POST"],
      path: `${EP}/run`,
      ...guarded,
      rate: { group: "run", name: "run" },
      body: { limit: "runBytes", tooLarge },
      handle: async (call) => ({ json: await submitJob(deps, call, false) }),
    },
    {
      methods: ["POST"],
      path: `${EP}/runsync`,
      ...guarded,
      rate: { group: "runsync", name: "runsync" },
      body: { limit: "runsyncBytes", tooLarge },
      handle: async (call) => ({ json: await submitJob(deps, call, true) }),
    },
    {
      methods: ["GET", "POST"],
      path: `${EP}/status/:jobId`,
      ...guarded,
      rate: { group: "status", name: "status" },
      handle: async (call) => ({ json: await jobStatus(deps, call.endpointId, call.jobId ?? "") }),
    },
    {
      methods: ["GET", "POST"],
      path: `${EP}/status-sync/:jobId`,
      ...guarded,
      rate: { group: "status", name: "status-sync" },
      handle: async (call) => {
        const id = checkedJobId(call.jobId ?? "");
        const waitMs = accepted(parseWait(call.query("wait"), DEFAULT_WAIT_MS.statusSync));
        const view = await platform.waitForTerminal(call.endpointId, id, waitMs, call.signal());
        if (!view) throw jobNotFound(id);
        return { json: view };
      },
    },
    {
      methods: ["GET", "POST"],
      path: `${EP}/stream/:jobId`,
      ...guarded,
      rate: { group: "status", name: "stream" },
      handle: async (call) => {
        const id = checkedJobId(call.jobId ?? "");
        if (call.method === "GET" && acceptsEventStream(call.header("accept")))
          return streamEvents(deps, call, call.endpointId, id);
        const waitMs = accepted(parseWait(call.query("wait"), DEFAULT_WAIT_MS.stream));
        const drained = await platform.drainStream(call.endpointId, id, waitMs, call.signal());
        if (!drained) throw jobNotFound(id);
        return {
          json: { status: drained.status, stream: Array.isArray(drained.stream) ? drained.stream : [] },
        };
      },
    },
    {
      methods: ["POST"],
      path: `${EP}/cancel/:jobId`,
      ...guarded,
      rate: { group: "cancel", name: "cancel" },
      handle: async (call) => {
        const id = checkedJobId(call.jobId ?? "");
        const view = await platform.cancel(call.endpointId, id);
        if (!view) throw jobNotFound(id);
        return { json: summary(view) };
      },
    },
    {
      methods: ["POST"],
      path: `${EP}/retry/:jobId`,
      ...guarded,
      rate: { group: "retry", name: "retry" },
      handle: async (call) => {
        const id = checkedJobId(call.jobId ?? "");
        return { json: summary(unwrap(await platform.retry(call.endpointId, id))) };
      },
    },
    {
      methods: ["POST"],
      path: `${EP}/purge-queue`,
      ...guarded,
      rate: { group: "purge-queue", name: "purge-queue" },
      handle: async (call) => ({
        json: { removed: await platform.purgeQueue(call.endpointId), status: "completed" },
      }),
    },
    {
      methods: ["GET"],
      path: `${EP}/health`,
      ...guarded,
      rate: { group: "health", name: "health" },
      handle: async (call) => ({ json: await platform.health(call.endpointId) }),
    },
    {
      methods: ["GET"],
      path: `${EP}/requests`,
      ...guarded,
      rate: { group: "requests", name: "requests" },
      handle: async (call) => {
        const limit = accepted(parseListLimit(call.query("limit")));
        const status = accepted(parseStatusFilter(call.query("status")));
        const requests = await platform.listRecent(call.endpointId, { limit, ...(status ? { status } : {}) });
        return { json: { requests } };
      },
    },
  ];
}

/** `/cancel` and `/retry` answer `{id, status}` plus the timings when known (JS and Go SDK types). */
function summary(view: JobView): Pick<JobView, "id" | "status" | "delayTime" | "executionTime"> {
  const out: Pick<JobView, "id" | "status" | "delayTime" | "executionTime"> = {
    id: view.id,
    status: view.status,
  };
  if (view.delayTime !== undefined) out.delayTime = view.delayTime;
  if (view.executionTime !== undefined) out.executionTime = view.executionTime;
  return out;
}
