/**
 * The admin API under `/admin/v1/` (docs/api.md, "Admin API"): endpoint settings and status, run-time scaling
 * changes, the workers Gantry runs, their logs, and stopping one. Authenticated with an admin key
 * (`auth.adminKeys`, else any API key). The fleet is absent when no endpoint has a `worker.command`: reading still
 * works, changing scaling and worker logs answer 409/404 saying so.
 */
import {
  type AdminWorkerView,
  type EndpointListView,
  type EndpointStatusView,
  isValidId,
  parseScalingPatch,
  type ScalingChangeView,
  type StopWorkerView,
  type WorkerListView,
} from "@gantry/protocol";
import type { EndpointConfig } from "../../domain/endpoint.js";
import type { ApiCall } from "../http/call.js";
import type { RouteDeps } from "../http/deps.js";
import { ApiError } from "../http/errors.js";
import { parseJsonBody } from "../http/json.js";
import type { BodyRule, Route } from "../http/route.js";
import { accepted, parseAdminFlag, parseForce, parseTail } from "../http/validate.js";
import { followLogs, logsAnswer, wantsFollow } from "./logs.js";
import { checkScalingPatch } from "./scaling.js";
import type { AdminOptions } from "./seam.js";
import { endpointSettings, externalWorkers, managedWorkers } from "./views.js";

const BASE = "/admin/v1";
/** An admin request body is a few settings. */
const MAX_BODY_CHARS = 64 * 1024;
const bodyTooLarge = (): ApiError => new ApiError(413, "body too large");
/** Bytes as read from the wire: up to 4 per character, so a body refused here is refused by the count below too. */
const BODY: BodyRule = { limit: 4 * MAX_BODY_CHARS, tooLarge: bodyTooLarge };

async function smallBody(call: ApiCall): Promise<string> {
  const text = await call.body();
  if (text.length > MAX_BODY_CHARS) throw bodyTooLarge();
  return text;
}

export function adminRoutes(deps: RouteDeps, admin: AdminOptions): Route[] {
  const { platform } = deps;
  const fleet = admin.supervisor;

  const config = (id: string): EndpointConfig => {
    const e = admin.endpoints().find((x) => x.id === id);
    if (!e) throw new ApiError(404, `endpoint ${id} not found`);
    return e;
  };
  const workerIdOf = (call: ApiCall): string => {
    const id = call.workerId;
    if (!isValidId(id)) throw new ApiError(404, `worker ${id} not found`);
    return id;
  };
  const settings = (e: EndpointConfig) => endpointSettings(e, fleet?.status(e.id)?.scaling);
  const workers = async (id: string): Promise<AdminWorkerView[]> => {
    const seen = await admin.listWorkers(id);
    const listings = fleet?.status(id)?.workers ?? [];
    return [...managedWorkers(listings, seen), ...externalWorkers(seen, new Set(listings.map((l) => l.id)))];
  };

  return [
    {
      methods: ["GET"],
      path: `${BASE}/endpoints`,
      auth: "adminKey",
      handle: async () => {
        const json: EndpointListView = { endpoints: admin.endpoints().map((e) => settings(e)) };
        return { json };
      },
    },
    {
      methods: ["GET"],
      path: `${BASE}/endpoints/:endpointId`,
      auth: "adminKey",
      endpoint: true,
      handle: async (call) => {
        const e = config(call.endpointId);
        const [health, list] = await Promise.all([platform.health(e.id), workers(e.id)]);
        const s = fleet?.status(e.id);
        const json: EndpointStatusView = {
          ...settings(e),
          status: {
            jobs: health.jobs,
            counts: health.workers,
            workers: list,
            coldStart: s?.coldStart ?? { count: 0 },
            crash: s?.crash ?? { consecutive: 0, looping: false },
            hints: health.hints ?? [],
          },
        };
        return { json };
      },
    },
    {
      methods: ["GET"],
      path: `${BASE}/endpoints/:endpointId/workers`,
      auth: "adminKey",
      endpoint: true,
      handle: async (call) => {
        const e = config(call.endpointId);
        const json: WorkerListView = {
          endpointId: e.id,
          managed: e.worker !== undefined,
          workers: await workers(e.id),
        };
        return { json };
      },
    },
    {
      methods: ["PATCH"],
      path: `${BASE}/endpoints/:endpointId/scaling`,
      auth: "adminKey",
      endpoint: true,
      body: BODY,
      handle: async (call) => {
        const e = config(call.endpointId);
        const patch = accepted(parseScalingPatch(parseJsonBody(await smallBody(call))));
        const current = fleet?.status(e.id);
        if (!fleet || !current || e.worker === undefined) {
          throw new ApiError(
            409,
            `endpoint ${e.id} has no worker.command: its workers are started outside Gantry, which does not scale them`,
          );
        }
        checkScalingPatch(current.scaling, patch);
        const scaling = fleet.updateScaling(e.id, patch);
        // Apply now rather than on the next tick, so raising workersMax starts workers for a waiting queue at once.
        void fleet.tick();
        const json: ScalingChangeView = { id: e.id, scaling };
        return { json };
      },
    },
    {
      methods: ["GET"],
      path: `${BASE}/workers/:workerId/logs`,
      auth: "adminKey",
      handle: async (call) => {
        const id = workerIdOf(call);
        const tail = parseTail(call.query("tail"));
        parseAdminFlag("follow", call.query("follow"));
        const w = fleet?.worker(id);
        if (!fleet || !w) throw notStarted(id);
        if (!wantsFollow(call)) return logsAnswer(w, tail);
        return followLogs(call, w, tail, {
          heartbeatMs: deps.limits.sseHeartbeatMs,
          why: () => fleet.retired(id)?.why,
          onError: (err) => deps.logger.error({ err, workerId: id }, "log stream failed"),
        });
      },
    },
    {
      methods: ["POST"],
      path: `${BASE}/workers/:workerId/stop`,
      auth: "adminKey",
      body: BODY,
      handle: async (call) => {
        const id = workerIdOf(call);
        const text = await smallBody(call);
        const force = parseForce(call.query("force"), text.trim() === "" ? {} : parseJsonBody(text));
        const w = fleet?.worker(id);
        if (!fleet || !w) throw notStarted(id);
        if (w.retired) throw new ApiError(409, `worker ${id} has already exited (${w.retired.why})`);
        const listing = fleet.stopWorker(id, { force });
        if (!listing) throw new ApiError(409, `worker ${id} has already exited`);
        const json: StopWorkerView = { ...listing, force };
        return { json };
      },
    },
  ];
}

const notStarted = (id: string) =>
  new ApiError(
    404,
    `worker ${id} not found (only workers Gantry started, running or recently exited, are here)`,
  );
