/**
 * The admin API under `/admin/v1/`: endpoint settings and status, run-time scaling changes, the workers Gantry
 * runs, their logs, and stopping one. Authenticated with an API key (or only `auth.adminKeys` when set).
 * The supervisor is absent when no endpoint has a `worker.command`: reading still works, changing scaling and
 * worker logs answer 409/404 saying so.
 */
import type { Context, Hono } from "hono";
import type { EndpointConfig } from "../domain/endpoint.js";
import type { WorkerInfo } from "../engine/workers.js";
import type { Supervisor } from "../supervisor/supervisor.js";
import { followLogs, logsResponse, parseFlag, parseTail, wantsFollow } from "./admin-logs.js";
import { checkScalingPatch, parseScalingPatch } from "./admin-scaling.js";
import { type AdminWorkerView, endpointSettings, externalWorkers, managedWorkers } from "./admin-views.js";
import { type AuthOptions, requireApiKey } from "./auth.js";
import type { RouteDeps } from "./deps.js";
import type { AppEnv } from "./env.js";
import { ApiError } from "./errors.js";
import { requireEndpoint } from "./guards.js";
import { parseJsonBody } from "./json.js";
import { isValidId } from "./params.js";

export interface AdminOptions {
  /** Every configured endpoint, in config order. */
  endpoints: () => readonly EndpointConfig[];
  supervisor?: Supervisor;
  /** Workers seen through the worker protocol (the engine's registry). */
  listWorkers: (endpointId: string) => Promise<WorkerInfo[]>;
  /** When set, only these keys reach the admin API; otherwise any API key does. */
  adminKeys?: readonly string[];
}

const BASE = "/admin/v1";
/** An admin request body is a few settings. */
const MAX_BODY_CHARS = 64 * 1024;

export function registerAdminRoutes(
  app: Hono<AppEnv>,
  deps: RouteDeps,
  auth: AuthOptions,
  admin: AdminOptions,
): void {
  const { platform } = deps;
  const sup = admin.supervisor;
  const keys = admin.adminKeys !== undefined && admin.adminKeys.length > 0 ? admin.adminKeys : auth.apiKeys;
  const authed = requireApiKey({ ...auth, apiKeys: keys });
  const guard = [authed, requireEndpoint(platform)] as const;

  const config = (id: string): EndpointConfig => {
    const e = admin.endpoints().find((x) => x.id === id);
    if (!e) throw new ApiError(404, `endpoint ${id} not found`);
    return e;
  };
  const epOf = (c: Context<AppEnv>): string => c.req.param("endpointId") as string;
  const workerIdOf = (c: Context<AppEnv>): string => {
    const id = c.req.param("workerId") ?? "";
    if (!isValidId(id)) throw new ApiError(404, `worker ${id} not found`);
    return id;
  };
  const settings = (e: EndpointConfig) => endpointSettings(e, sup?.status(e.id)?.scaling);
  const workers = async (id: string): Promise<AdminWorkerView[]> => {
    const seen = await admin.listWorkers(id);
    const listings = sup?.status(id)?.workers ?? [];
    return [...managedWorkers(listings, seen), ...externalWorkers(seen, new Set(listings.map((l) => l.id)))];
  };

  app.get(`${BASE}/endpoints`, authed, (c) =>
    c.json({ endpoints: admin.endpoints().map((e) => settings(e)) }, 200),
  );

  app.get(`${BASE}/endpoints/:endpointId`, ...guard, async (c) => {
    const e = config(epOf(c));
    const [health, list] = await Promise.all([platform.health(e.id), workers(e.id)]);
    const s = sup?.status(e.id);
    return c.json(
      {
        ...settings(e),
        status: {
          jobs: health.jobs,
          counts: health.workers,
          workers: list,
          coldStart: s?.coldStart ?? { count: 0 },
          crash: s?.crash ?? { consecutive: 0, looping: false },
          hints: health.hints ?? [],
        },
      },
      200,
    );
  });

  app.get(`${BASE}/endpoints/:endpointId/workers`, ...guard, async (c) => {
    const e = config(epOf(c));
    return c.json({ endpointId: e.id, managed: e.worker !== undefined, workers: await workers(e.id) }, 200);
  });

  app.patch(`${BASE}/endpoints/:endpointId/scaling`, ...guard, async (c) => {
    const e = config(epOf(c));
    const text = await c.req.text();
    if (text.length > MAX_BODY_CHARS) throw new ApiError(413, "body too large");
    const patch = parseScalingPatch(parseJsonBody(text));
    const current = sup?.status(e.id);
    if (!sup || !current || e.worker === undefined) {
      throw new ApiError(
        409,
        `endpoint ${e.id} has no worker.command: its workers are started outside Gantry, which does not scale them`,
      );
    }
    checkScalingPatch(current.scaling, patch);
    const scaling = sup.updateScaling(e.id, patch);
    // Apply now rather than on the next tick, so raising workersMax starts workers for a waiting queue at once.
    void sup.tick();
    return c.json({ id: e.id, scaling }, 200);
  });

  app.get(`${BASE}/workers/:workerId/logs`, authed, (c) => {
    const id = workerIdOf(c);
    const tail = parseTail(c.req.query("tail"));
    parseFlag("follow", c.req.query("follow"));
    const w = sup?.worker(id);
    if (!sup || !w) throw notStarted(id);
    if (!wantsFollow(c)) return logsResponse(c, w, tail);
    return followLogs(
      c,
      w,
      tail,
      { shutdown: deps.shutdown, heartbeatMs: deps.limits.sseHeartbeatMs },
      () => sup.retired(id)?.why,
    );
  });

  app.post(`${BASE}/workers/:workerId/stop`, authed, async (c) => {
    const id = workerIdOf(c);
    const text = await c.req.text();
    if (text.length > MAX_BODY_CHARS) throw new ApiError(413, "body too large");
    const force = parseForce(c.req.query("force"), text.trim() === "" ? {} : parseJsonBody(text));
    const w = sup?.worker(id);
    if (!sup || !w) throw notStarted(id);
    if (w.retired) throw new ApiError(409, `worker ${id} has already exited (${w.retired.why})`);
    const listing = sup.stopWorker(id, { force });
    if (!listing) throw new ApiError(409, `worker ${id} has already exited`);
    return c.json({ ...listing, force }, 200);
  });
}

const notStarted = (id: string) =>
  new ApiError(
    404,
    `worker ${id} not found (only workers Gantry started, running or recently exited, are here)`,
  );

/** `?force=1` or a body `{"force": true}`: SIGKILL at once instead of SIGTERM and a grace period. */
function parseForce(query: string | undefined, body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new ApiError(400, "json is invalid: body must be a JSON object");
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => k !== "force");
  if (unknown.length > 0)
    throw new ApiError(400, `unknown field ${unknown.join(", ")}; only force is allowed`);
  if (b.force !== undefined && typeof b.force !== "boolean")
    throw new ApiError(400, "force: must be a boolean");
  return parseFlag("force", query) || b.force === true;
}
