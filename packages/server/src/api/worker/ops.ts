/**
 * The worker protocol's operations (job-take, job-take-batch, job-stop, job-done, job-done-batch, job-stream,
 * ping) once the request has passed its guards (worker secret, endpoint, body size).
 */
import {
  isValidId,
  parseBatchSize,
  parseFlag,
  parseId,
  parseResultBatch,
  parseResultBody,
  parseTake,
} from "@gantry/protocol";
import type { PingReport } from "../../engine/platform.js";
import type { ApiCall } from "../http/call.js";
import type { RouteDeps } from "../http/deps.js";
import { ApiError } from "../http/errors.js";
import { parseJsonBody } from "../http/json.js";
import { unwrap } from "../http/outcome.js";
import { type Answer, NO_CONTENT } from "../http/route.js";
import { accepted, objectBody } from "../http/validate.js";
import { applyDoneBatch } from "./done-batch.js";
import { answerWithJobs } from "./done-take.js";
import { handOut } from "./hand-out.js";

/** The ids of a worker call as its path gives them (decoded). */
export type CallIds = Pick<ApiCall, "endpointId" | "workerId" | "jobId">;

const EMPTY: Answer = Object.freeze({ json: {} });

/** Ping fields are free text from the worker; bound what reaches the engine and its logs. */
const MAX_PING_FIELD = 1024;

/** The call's ids: 400 for a worker id that cannot be one, 404 for a job id that cannot exist. */
export function callIds(call: CallIds): {
  endpointId: string;
  workerId: string;
  jobId: string;
} {
  const { jobId } = call;
  const workerId = accepted(parseId("worker", call.workerId));
  if (jobId !== undefined && !isValidId(jobId)) throw new ApiError(404, `job ${jobId} not found`);
  return { endpointId: call.endpointId, workerId, jobId: jobId ?? "" };
}

export async function takeJobs(deps: RouteDeps, call: ApiCall, batch: boolean): Promise<Answer> {
  const { endpointId, workerId } = callIds(call);
  const { platform, limits } = deps;
  const max = batch ? accepted(parseBatchSize(call.query("batch_size"), limits.maxBatchSize)) : 1;
  const taken = await platform.take(endpointId, workerId, max, limits.takeHoldMs, call.signal());
  const jobs = await handOut(call, deps, { endpointId, workerId }, taken, max, "job-take");
  if (jobs.length === 0) return NO_CONTENT;
  return { json: batch ? jobs : jobs[0] };
}

export async function pollStops(deps: RouteDeps, call: ApiCall): Promise<Answer> {
  const { endpointId, workerId } = callIds(call);
  const { platform, logger } = deps;
  const stops = await platform.waitStops(endpointId, workerId, deps.limits.takeHoldMs, call.signal());
  if (stops.length === 0) return NO_CONTENT;
  // As with job-take: stop ids answered to a connection that closed first would be lost; give them back.
  const giveBack = () => {
    logger.info({ endpointId, workerId, jobIds: stops }, "job-stop client went away; keeping its stops");
    platform.putBackStops(endpointId, workerId, stops).catch((err: unknown) => {
      logger.error({ err, endpointId, workerId }, "putBackStops failed");
    });
  };
  if (call.gone()) {
    giveBack();
    return NO_CONTENT;
  }
  call.onLost(giveBack);
  return { json: { jobsToStop: stops } };
}

export async function postDone(deps: RouteDeps, call: ApiCall): Promise<Answer> {
  const { endpointId, workerId, jobId } = callIds(call);
  // Checked before the result is applied: a post refused for its `take` must not have finished the job.
  const takeMax = accepted(parseTake(call.query("take"), deps.limits.maxBatchSize));
  const done = accepted(parseResultBody(parseJsonBody(await call.body(), { pythonTokens: true })));
  unwrap(
    await deps.platform.workerDone(endpointId, workerId, jobId, done, parseFlag(call.query("isStream"))),
  );
  if (takeMax === 0) return EMPTY;
  const takeNothing = done.stopPod === true || done.status === "IN_PROGRESS";
  return { json: await answerWithJobs(call, deps, { endpointId, workerId }, takeMax, takeNothing) };
}

export async function postDoneBatch(deps: RouteDeps, call: ApiCall): Promise<Answer> {
  const { endpointId, workerId } = callIds(call);
  const { platform, limits } = deps;
  const takeMax = accepted(parseTake(call.query("take"), limits.maxBatchSize));
  // Checked whole before anything is applied: a malformed item refuses the request.
  const body = parseJsonBody(await call.body(), { pythonTokens: true });
  const items = accepted(parseResultBatch(body, limits.maxBatchSize));
  const results = await applyDoneBatch(platform, endpointId, workerId, items);
  if (takeMax === 0) return { json: { results } };
  const takeNothing = items.some((item) => item.done.stopPod === true);
  return {
    json: await answerWithJobs(call, deps, { endpointId, workerId }, takeMax, takeNothing, {
      results,
    }),
  };
}

export async function postStream(deps: RouteDeps, call: ApiCall): Promise<Answer> {
  const { endpointId, workerId, jobId } = callIds(call);
  const body = objectBody(parseJsonBody(await call.body(), { pythonTokens: true }));
  if (!Object.hasOwn(body, "output")) throw new ApiError(400, "output: is required");
  unwrap(await deps.platform.workerStream(endpointId, workerId, jobId, body.output));
  return EMPTY;
}

export async function ping(deps: RouteDeps, call: ApiCall): Promise<Answer> {
  const { endpointId, workerId } = callIds(call);
  await deps.platform.ping(endpointId, workerId, pingReport(call));
  return EMPTY;
}

function pingReport(call: ApiCall): PingReport {
  const report: PingReport = {};
  const jobIdParam = call.query("job_id");
  // The Python SDK omits job_id entirely when idle; an explicit empty value also means "holds nothing".
  if (jobIdParam !== undefined) {
    report.jobIds = jobIdParam
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }
  const text = (name: string) => {
    const v = call.query(name);
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
