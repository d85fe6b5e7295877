/**
 * The worker protocol (docs/protocol.md), at the paths of the RunPod worker's recommended URL
 * templates. Workers are unmodified Python `runpod` workers or our SDK: bodies are JSON whatever the Content-Type
 * says, unknown query parameters are ignored, and the job-take/job-stop long-polls hold well below the worker's
 * 90 s bound.
 */
import { parseFlag } from "@gantry/protocol";
import { formatBytes, type RouteDeps } from "../http/deps.js";
import { ApiError } from "../http/errors.js";
import type { Route } from "../http/route.js";
import { callIds, ping, pollStops, postDone, postDoneBatch, postStream, takeJobs } from "./ops.js";

const EP = "/v2/:endpointId";

/** Every worker route: the worker secret and a served endpoint; no rate limit (workers pace themselves). */
const guarded = { auth: "workerSecret", endpoint: true } as const;

export function workerRoutes(deps: RouteDeps): Route[] {
  const { platform, logger } = deps;
  return [
    {
      methods: ["GET"],
      path: `${EP}/job-take/:workerId`,
      ...guarded,
      handle: (call) => takeJobs(deps, call, false),
    },
    {
      methods: ["GET"],
      path: `${EP}/job-take-batch/:workerId`,
      ...guarded,
      handle: (call) => takeJobs(deps, call, true),
    },
    {
      methods: ["GET"],
      path: `${EP}/job-stop/:workerId`,
      ...guarded,
      handle: (call) => pollStops(deps, call),
    },
    {
      methods: ["POST"],
      path: `${EP}/job-done/:workerId/:jobId`,
      ...guarded,
      body: {
        limit: "resultBytes",
        // RunPod answers 400 and leaves the job COMPLETED without output; failing it tells the client why.
        tooLarge: async (call, bytes) => {
          const { endpointId, workerId, jobId } = callIds(call);
          const limit = formatBytes(bytes);
          const outcome = await platform.workerDone(
            endpointId,
            workerId,
            jobId,
            { error: `result too large: the worker's result exceeds the ${limit} limit and was discarded` },
            parseFlag(call.query("isStream")),
          );
          logger.warn(
            { endpointId, workerId, jobId, limit, failed: outcome.ok },
            "job result too large; job failed",
          );
          return new ApiError(400, `result is too large; max size is ${limit}`);
        },
      },
      handle: (call) => postDone(deps, call),
    },
    {
      methods: ["POST"],
      path: `${EP}/job-done-batch/:workerId`,
      ...guarded,
      body: {
        limit: "resultBytes",
        // Refused whole: failing its jobs, as job-done does, would need the body's ids.
        tooLarge: (_call, bytes) =>
          new ApiError(
            413,
            `batch is too large; max size is ${formatBytes(bytes)}; post large results alone`,
          ),
      },
      handle: (call) => postDoneBatch(deps, call),
    },
    {
      methods: ["POST"],
      path: `${EP}/job-stream/:workerId/:jobId`,
      ...guarded,
      body: {
        limit: "streamChunkBytes",
        tooLarge: (_call, bytes) =>
          new ApiError(400, `stream chunk is too large; max size is ${formatBytes(bytes)}`),
      },
      handle: (call) => postStream(deps, call),
    },
    {
      methods: ["GET"],
      path: `${EP}/ping/:workerId`,
      ...guarded,
      handle: (call) => ping(deps, call),
    },
  ];
}
