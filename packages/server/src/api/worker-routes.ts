/**
 * The worker protocol (worker-protocol.md §3), at the paths of §3.1's recommended templates. Workers are
 * unmodified Python `runpod` workers or our SDK: bodies are JSON whatever the Content-Type says, unknown query
 * parameters are ignored, and the job-take/job-stop long-polls hold well below the worker's 90 s bound.
 */
import type { Context, Hono } from "hono";
import type { PingReport } from "../engine/platform.js";
import { type AuthOptions, requireWorkerSecret } from "./auth.js";
import { byteLimit, formatBytes, type RouteDeps } from "./deps.js";
import { applyDoneBatch, parseDoneBatch } from "./done-batch.js";
import { doneBodyOf } from "./done-body.js";
import { answerWithJobs } from "./done-take.js";
import type { AppEnv } from "./env.js";
import { ApiError, errorResponse } from "./errors.js";
import { emptyObject, jsonOf, noContent } from "./fast-response.js";
import { limitBody, longPollSignal, requireEndpoint } from "./guards.js";
import { handOut } from "./hand-out.js";
import { isPlainObject, parseJsonBody } from "./json.js";
import { unwrap } from "./outcome.js";
import { isValidId, parseBatchSize, parseBool, parseTake } from "./params.js";

const EP = "/v2/:endpointId";

/** Ping fields are free text from the worker; bound what reaches the engine and its logs. */
const MAX_PING_FIELD = 1024;

export function registerWorkerRoutes(app: Hono<AppEnv>, deps: RouteDeps, auth: AuthOptions): void {
  const { platform, limits, logger } = deps;
  const guard = [requireWorkerSecret(auth), requireEndpoint(platform)] as const;

  const epOf = (c: Context<AppEnv>): string => c.req.param("endpointId") as string;
  const ids = (c: Context<AppEnv>) => {
    const endpointId = c.req.param("endpointId") as string;
    const workerId = c.req.param("workerId") ?? "";
    if (!isValidId(workerId)) {
      throw new ApiError(400, `worker id "${workerId.slice(0, 100)}" is invalid; must match [A-Za-z0-9_-]+`);
    }
    const jobId = c.req.param("jobId");
    if (jobId !== undefined && !isValidId(jobId)) throw new ApiError(404, `job ${jobId} not found`);
    return { endpointId, workerId, jobId: jobId ?? "" };
  };

  const take = async (c: Context<AppEnv>, batch: boolean) => {
    const { endpointId, workerId } = ids(c);
    const max = batch ? parseBatchSize(c.req.query("batch_size"), limits.maxBatchSize) : 1;
    const taken = await platform.take(
      endpointId,
      workerId,
      max,
      limits.takeHoldMs,
      longPollSignal(c, deps.shutdown),
    );
    const jobs = await handOut(c, deps, { endpointId, workerId }, taken, max, "job-take");
    if (jobs.length === 0) return noContent();
    return jsonOf(batch ? jobs : jobs[0]);
  };

  app.get(`${EP}/job-take/:workerId`, ...guard, (c) => take(c, false));
  app.get(`${EP}/job-take-batch/:workerId`, ...guard, (c) => take(c, true));

  app.get(`${EP}/job-stop/:workerId`, ...guard, async (c) => {
    const { endpointId, workerId } = ids(c);
    const stops = await platform.waitStops(
      endpointId,
      workerId,
      limits.takeHoldMs,
      longPollSignal(c, deps.shutdown),
    );
    if (stops.length === 0) return noContent();
    // As with job-take: stop ids answered to a connection that closed first would be lost; give them back.
    const giveBack = () => {
      logger.info({ endpointId, workerId, jobIds: stops }, "job-stop client went away; keeping its stops");
      platform.putBackStops(endpointId, workerId, stops).catch((err: unknown) => {
        logger.error({ err, endpointId, workerId }, "putBackStops failed");
      });
    };
    if (c.req.raw.signal.aborted) {
      giveBack();
      return noContent();
    }
    c.req.raw.signal.addEventListener("abort", giveBack, { once: true });
    return jsonOf({ jobsToStop: stops });
  });

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
    async (c) => {
      const { endpointId, workerId, jobId } = ids(c);
      // Checked before the result is applied: a post refused for its `take` must not have finished the job.
      const takeMax = parseTake(c.req.query("take"), limits.maxBatchSize);
      const body = parseJsonBody(await c.req.text(), { pythonTokens: true });
      if (!isPlainObject(body)) throw new ApiError(400, "json is invalid: body must be a JSON object");
      const done = doneBodyOf(body);
      unwrap(
        await platform.workerDone(endpointId, workerId, jobId, done, parseBool(c.req.query("isStream"))),
      );
      if (takeMax === 0) return emptyObject();
      const takeNothing = done.stopPod === true || done.status === "IN_PROGRESS";
      return answerWithJobs(c, deps, { endpointId, workerId }, takeMax, takeNothing);
    },
  );

  // A batch is refused whole when over the limit: failing its jobs, as job-done does, would need the body's ids.
  const batchTooLarge = (c: Context<AppEnv>, bytes: number) =>
    errorResponse(c, 413, `batch is too large; max size is ${formatBytes(bytes)}; post large results alone`);

  app.post(
    `${EP}/job-done-batch/:workerId`,
    ...guard,
    limitBody((c) => byteLimit(deps, epOf(c), "resultBytes"), batchTooLarge),
    async (c) => {
      const { endpointId, workerId } = ids(c);
      const takeMax = parseTake(c.req.query("take"), limits.maxBatchSize);
      const items = parseDoneBatch(await c.req.text(), limits.maxBatchSize);
      const results = await applyDoneBatch(platform, endpointId, workerId, items);
      if (takeMax === 0) return jsonOf({ results });
      const takeNothing = items.some((item) => item.done.stopPod === true);
      return answerWithJobs(c, deps, { endpointId, workerId }, takeMax, takeNothing, { results });
    },
  );

  const chunkTooLarge = (c: Context<AppEnv>, bytes: number) =>
    errorResponse(c, 400, `stream chunk is too large; max size is ${formatBytes(bytes)}`);

  app.post(
    `${EP}/job-stream/:workerId/:jobId`,
    ...guard,
    limitBody((c) => byteLimit(deps, epOf(c), "streamChunkBytes"), chunkTooLarge),
    async (c) => {
      const { endpointId, workerId, jobId } = ids(c);
      const body = parseJsonBody(await c.req.text(), { pythonTokens: true });
      if (!isPlainObject(body)) throw new ApiError(400, "json is invalid: body must be a JSON object");
      if (!Object.hasOwn(body, "output")) throw new ApiError(400, "output: is required");
      unwrap(await platform.workerStream(endpointId, workerId, jobId, body.output));
      return emptyObject();
    },
  );

  app.get(`${EP}/ping/:workerId`, ...guard, async (c) => {
    const { endpointId, workerId } = ids(c);
    await platform.ping(endpointId, workerId, pingReport(c));
    return emptyObject();
  });
}

function pingReport(c: Context<AppEnv>): PingReport {
  const report: PingReport = {};
  const jobIdParam = c.req.query("job_id");
  // The Python SDK omits job_id entirely when idle; an explicit empty value also means "holds nothing".
  if (jobIdParam !== undefined) {
    report.jobIds = jobIdParam
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }
  const text = (name: string) => {
    const v = c.req.query(name);
    return v === undefined ? undefined : v.slice(0, MAX_PING_FIELD);
  };
  const status = text("status");
  const check = text("check");
  const reason = text("reason");
  const version = text("runpod_version");
  if (status !== undefined) report.status = status;
  if (check !== undefined) report.check = check;
  if (reason !== undefined) report.reason = reason;
  if (version !== undefined) report.version = version;
  return report;
}
