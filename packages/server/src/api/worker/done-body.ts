/** The fields of a job-done body the engine acts on, shared by job-done and each item of job-done-batch. */
import type { WorkerDoneBody } from "../../engine/platform.js";
import { ApiError } from "../http/errors.js";

/** `where` prefixes each message (`""` for job-done, `"item 3: "` in a batch) so a refusal names its part. */
export function doneBodyOf(body: Record<string, unknown>, where = ""): WorkerDoneBody {
  const done: WorkerDoneBody = {};
  if (Object.hasOwn(body, "output")) done.output = body.output;
  if (Object.hasOwn(body, "error") && body.error !== undefined) done.error = body.error;
  if (body.stopPod === true) done.stopPod = true;
  if (body.status !== undefined) {
    if (typeof body.status !== "string") throw new ApiError(400, `${where}status: must be a string`);
    done.status = body.status;
  }
  return done;
}
