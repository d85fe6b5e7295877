/**
 * `/status/{jobId}` once the request has passed its guards. Clients of RunPod's API (the official `runpod-sdk`,
 * Python's `Endpoint.run`) poll it for every job.
 */
import { isValidId } from "@gantry/protocol";
import type { JobView } from "../../domain/job.js";
import type { RouteDeps } from "../http/deps.js";
import { ApiError } from "../http/errors.js";

/** The refusal of every job route for a job that does not exist. */
export const jobNotFound = (id: string): ApiError => new ApiError(404, `job ${id} not found`);

/** `id` when it has the shape of a job id; one that cannot exist is a job not found. */
export function checkedJobId(id: string): string {
  if (!isValidId(id)) throw jobNotFound(id);
  return id;
}

export async function jobStatus(deps: RouteDeps, endpointId: string, id: string): Promise<JobView> {
  const view = await deps.platform.status(endpointId, checkedJobId(id));
  if (!view) throw jobNotFound(id);
  return view;
}
