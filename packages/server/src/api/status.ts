/**
 * `/status/{jobId}` once the request has passed its guards: one implementation for the Hono route and the fast
 * lane. Clients of RunPod's API (the official `runpod-sdk`, Python's `Endpoint.run`) poll it for every job.
 */
import type { JobView } from "../domain/job.js";
import type { RouteDeps } from "./deps.js";
import { ApiError } from "./errors.js";
import { isValidId } from "./params.js";

export async function jobStatus(deps: RouteDeps, endpointId: string, id: string): Promise<JobView> {
  if (!isValidId(id)) throw new ApiError(404, `job ${id} not found`);
  const view = await deps.platform.status(endpointId, id);
  if (!view) throw new ApiError(404, `job ${id} not found`);
  return view;
}
