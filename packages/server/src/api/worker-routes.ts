/**
 * The worker protocol (worker-protocol.md §3), at the paths of §3.1's recommended templates. Workers are
 * unmodified Python `runpod` workers or our SDK: bodies are JSON whatever the Content-Type says, unknown query
 * parameters are ignored, and the job-take/job-stop long-polls hold well below the worker's 90 s bound.
 * The hot operations live in worker-ops.ts, shared with the fast lane; this file wires them into Hono.
 */
import type { Context, Hono } from "hono";
import { type AuthOptions, requireWorkerSecret } from "./auth.js";
import { type Delivery, responseDelivery, signalDelivery } from "./delivery.js";
import { byteLimit, formatBytes, type RouteDeps } from "./deps.js";
import type { AppEnv } from "./env.js";
import { errorResponse } from "./errors.js";
import { jsonOf, noContent } from "./fast-response.js";
import { limitBody, longPollSignal, requireEndpoint } from "./guards.js";
import { parseBool } from "./params.js";
import {
  callIds,
  type OpAnswer,
  ping,
  pollStops,
  postDone,
  postDoneBatch,
  postStream,
  takeJobs,
  type WorkerCall,
} from "./worker-ops.js";

const EP = "/v2/:endpointId";

function deliveryOf(c: Context<AppEnv>): Delivery {
  const outgoing = c.env?.outgoing;
  // Under `app.request` (tests) there is no node response: the request's signal tells the same.
  return outgoing ? responseDelivery(outgoing) : signalDelivery(c.req.raw.signal);
}

function callOf(c: Context<AppEnv>, shutdown: AbortSignal): WorkerCall {
  return {
    endpointId: c.req.param("endpointId") as string,
    workerId: c.req.param("workerId") ?? "",
    jobId: c.req.param("jobId"),
    query: (name) => c.req.query(name),
    body: () => c.req.text(),
    signal: () => longPollSignal(c, shutdown),
    delivery: deliveryOf(c),
  };
}

const respond = (answer: OpAnswer): Response => ("json" in answer ? jsonOf(answer.json) : noContent());

export function registerWorkerRoutes(app: Hono<AppEnv>, deps: RouteDeps, auth: AuthOptions): void {
  const { platform, logger } = deps;
  const guard = [requireWorkerSecret(auth), requireEndpoint(platform)] as const;

  const epOf = (c: Context<AppEnv>): string => c.req.param("endpointId") as string;
  const ids = (c: Context<AppEnv>) =>
    callIds({ endpointId: epOf(c), workerId: c.req.param("workerId") ?? "", jobId: c.req.param("jobId") });
  const run =
    (op: (deps: RouteDeps, call: WorkerCall) => Promise<OpAnswer>) =>
    async (c: Context<AppEnv>): Promise<Response> =>
      respond(await op(deps, callOf(c, deps.shutdown)));

  app.get(
    `${EP}/job-take/:workerId`,
    ...guard,
    run((d, call) => takeJobs(d, call, false)),
  );
  app.get(
    `${EP}/job-take-batch/:workerId`,
    ...guard,
    run((d, call) => takeJobs(d, call, true)),
  );

  app.get(`${EP}/job-stop/:workerId`, ...guard, run(pollStops));

  const resultTooLarge = async (c: Context<AppEnv>, bytes: number) => {
    const { endpointId, workerId, jobId } = ids(c);
    const limit = formatBytes(bytes);
    // RunPod answers 400 and leaves the job COMPLETED without output; failing it tells the client why.
    const outcome = await platform.workerDone(
      endpointId,
      workerId,
      jobId,
      { error: `result too large: the worker's result exceeds the ${limit} limit and was discarded` },
      parseBool(c.req.query("isStream")),
    );
    logger.warn(
      { endpointId, workerId, jobId, limit, failed: outcome.ok },
      "job result too large; job failed",
    );
    return errorResponse(c, 400, `result is too large; max size is ${limit}`);
  };

  app.post(
    `${EP}/job-done/:workerId/:jobId`,
    ...guard,
    limitBody((c) => byteLimit(deps, epOf(c), "resultBytes"), resultTooLarge),
    run(postDone),
  );

  // A batch is refused whole when over the limit: failing its jobs, as job-done does, would need the body's ids.
  const batchTooLarge = (c: Context<AppEnv>, bytes: number) =>
    errorResponse(c, 413, `batch is too large; max size is ${formatBytes(bytes)}; post large results alone`);

  app.post(
    `${EP}/job-done-batch/:workerId`,
    ...guard,
    limitBody((c) => byteLimit(deps, epOf(c), "resultBytes"), batchTooLarge),
    run(postDoneBatch),
  );

  const chunkTooLarge = (c: Context<AppEnv>, bytes: number) =>
    errorResponse(c, 400, `stream chunk is too large; max size is ${formatBytes(bytes)}`);

  app.post(
    `${EP}/job-stream/:workerId/:jobId`,
    ...guard,
    limitBody((c) => byteLimit(deps, epOf(c), "streamChunkBytes"), chunkTooLarge),
    run(postStream),
  );

  app.get(`${EP}/ping/:workerId`, ...guard, run(ping));
}
