/**
 * @gantry/client: the client SDK for Gantry and RunPod Serverless queue endpoints. fetch-based, no Node-only
 * imports: runs in Node 20+ and in browsers.
 */
export { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, RUNPOD_BASE_URL } from "./config.js";
export { Endpoint } from "./endpoint.js";
export {
  GantryError,
  GantryHttpError,
  GantryNetworkError,
  GantryTimeoutError,
  JobFailedError,
} from "./errors.js";
export { Job, type ProgressListenerOptions, type RequestOptions } from "./job.js";
export { isTerminal, TERMINAL_STATUSES } from "./status.js";
export type {
  EndpointOptions,
  ExecutionPolicy,
  HealthStatus,
  JobAck,
  JobStatus,
  JobStatusName,
  ProgressOptions,
  PurgeQueueResult,
  RetryPolicy,
  RunOptions,
  RunSyncOptions,
  S3Config,
  StreamOptions,
  StreamTransport,
  WaitOptions,
} from "./types.js";
