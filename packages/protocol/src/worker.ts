/** Shapes of the worker protocol (docs/protocol.md) that the worker SDK sends or reads and the server handles. */
import type { ExecutionPolicy } from "./policy.js";

/** A job as job-take hands it to a worker: `id`, `input` and the request's other fields, unchanged. */
export interface WorkerJob<I = unknown> {
  id: string;
  input: I;
  webhook?: string;
  policy?: ExecutionPolicy;
  s3Config?: Record<string, unknown>;
  batchId?: string;
  [key: string]: unknown;
}

/**
 * Body of a job-done post. `status: "IN_PROGRESS"` makes it a progress update; `stopPod: true` asks the platform
 * to recycle the worker after this job.
 */
export interface ResultBody {
  output?: unknown;
  error?: unknown;
  stopPod?: true;
  status?: "IN_PROGRESS";
}
