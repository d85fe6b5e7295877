/**
 * The client-facing `/v2/{endpointId}/…` routes (endpoint-api.md §2). Every success is HTTP 200 with JSON; every
 * error is `{"error": "…"}`. Semantics are the platform's; these handlers validate and adapt.
 */
import type { Context, Hono } from "hono";
import type { JobView } from "../domain/job.js";
import { type AuthOptions, requireApiKey } from "./auth.js";
import { byteLimit, DEFAULT_WAIT_MS, formatBytes, type RouteDeps } from "./deps.js";
import type { AppEnv } from "./env.js";
import { errorResponse } from "./errors.js";
import { jsonOf } from "./fast-response.js";
import { limitBody, longPollSignal, requireEndpoint } from "./guards.js";
import { unwrap } from "./outcome.js";
import { parseListLimit, parseStatusFilter, parseWait } from "./params.js";
import { rateLimit } from "./rate-limit.js";
import { acceptsEventStream, streamEvents } from "./sse.js";
import { checkedJobId, jobNotFound, jobStatus } from "./status.js";
import { submitJob } from "./submit.js";

const EP = "/v2/:endpointId";

export function registerPublicRoutes(app: Hono<AppEnv>, deps: RouteDeps, auth: AuthOptions): void {
  const { platform, limiter } = deps;
  const guard = [requireApiKey(auth), requireEndpoint(platform)] as const;

  const jobIdOf = (c: Context<AppEnv>): string => checkedJobId(c.req.param("jobId") ?? "");
  const epOf = (c: Context<AppEnv>): string => c.req.param("endpointId") as string;
  const notFound = jobNotFound;

  const submit = async (c: Context<AppEnv>, sync: boolean) =>
    jsonOf(
      await submitJob(deps, {
        endpointId: epOf(c),
        sync,
        idempotencyKey: c.req.header("idempotency-key"),
        wait: c.req.query("wait"),
        body: () => c.req.text(),
        signal: () => longPollSignal(c, deps.shutdown),
      }),
    );

  const tooLarge = (c: Context<AppEnv>, bytes: number) =>
    errorResponse(c, 413, `json is invalid; max size is ${formatBytes(bytes)}`);

  app.post(
    `${EP}/run`,
    ...guard,
    rateLimit(limiter, "run", "run"),
    limitBody((c) => byteLimit(deps, epOf(c), "runBytes"), tooLarge),
    (c) => submit(c, false),
  );
  app.post(
    `${EP}/runsync`,
    ...guard,
    rateLimit(limiter, "runsync", "runsync"),
    limitBody((c) => byteLimit(deps, epOf(c), "runsyncBytes"), tooLarge),
    (c) => submit(c, true),
  );

  app.on(
    ["GET", "POST"],
    `${EP}/status/:jobId`,
    ...guard,
    rateLimit(limiter, "status", "status"),
    async (c) => jsonOf(await jobStatus(deps, epOf(c), c.req.param("jobId") ?? "")),
  );

  app.on(
    ["GET", "POST"],
    `${EP}/status-sync/:jobId`,
    ...guard,
    rateLimit(limiter, "status", "status-sync"),
    async (c) => {
      const id = jobIdOf(c);
      const waitMs = parseWait(c.req.query("wait"), DEFAULT_WAIT_MS.statusSync);
      const view = await platform.waitForTerminal(epOf(c), id, waitMs, longPollSignal(c, deps.shutdown));
      if (!view) throw notFound(id);
      return jsonOf(view);
    },
  );

  app.on(
    ["GET", "POST"],
    `${EP}/stream/:jobId`,
    ...guard,
    rateLimit(limiter, "status", "stream"),
    async (c) => {
      const id = jobIdOf(c);
      if (c.req.method === "GET" && acceptsEventStream(c)) return streamEvents(c, deps, epOf(c), id);
      const waitMs = parseWait(c.req.query("wait"), DEFAULT_WAIT_MS.stream);
      const drained = await platform.drainStream(epOf(c), id, waitMs, longPollSignal(c, deps.shutdown));
      if (!drained) throw notFound(id);
      return c.json(
        { status: drained.status, stream: Array.isArray(drained.stream) ? drained.stream : [] },
        200,
      );
    },
  );

  app.post(`${EP}/cancel/:jobId`, ...guard, rateLimit(limiter, "cancel", "cancel"), async (c) => {
    const id = jobIdOf(c);
    const view = await platform.cancel(epOf(c), id);
    if (!view) throw notFound(id);
    return c.json(summary(view), 200);
  });

  app.post(`${EP}/retry/:jobId`, ...guard, rateLimit(limiter, "retry", "retry"), async (c) => {
    const id = jobIdOf(c);
    return c.json(summary(unwrap(await platform.retry(epOf(c), id))), 200);
  });

  app.post(`${EP}/purge-queue`, ...guard, rateLimit(limiter, "purge-queue", "purge-queue"), async (c) => {
    const removed = await platform.purgeQueue(epOf(c));
    return c.json({ removed, status: "completed" }, 200);
  });

  app.get(`${EP}/health`, ...guard, rateLimit(limiter, "health", "health"), async (c) => {
    return jsonOf(await platform.health(epOf(c)));
  });

  app.get(`${EP}/requests`, ...guard, rateLimit(limiter, "requests", "requests"), async (c) => {
    const limit = parseListLimit(c.req.query("limit"));
    const status = parseStatusFilter(c.req.query("status"));
    const requests = await platform.listRecent(epOf(c), { limit, ...(status ? { status } : {}) });
    return c.json({ requests }, 200);
  });
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
