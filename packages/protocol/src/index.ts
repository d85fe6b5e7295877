/**
 * @gantry/protocol: the wire types of Gantry's API and worker protocol, and one validator per wire value, shared
 * by the server, the client SDK, the worker SDK and the CLI. No dependencies and no Node-only imports: it runs
 * wherever the client does, browsers included.
 */
export type {
  AdminWorkerView,
  ColdStartView,
  CrashReportView,
  CrashView,
  EndpointLimitsView,
  EndpointListView,
  EndpointSettingsView,
  EndpointStatus,
  EndpointStatusView,
  ScalerType,
  ScalingChangeView,
  ScalingPatch,
  ScalingSettings,
  StopWorkerView,
  WorkerCommandView,
  WorkerExitView,
  WorkerListing,
  WorkerListView,
  WorkerLogLine,
  WorkerLogStream,
  WorkerLogsView,
  WorkerStateName,
} from "./admin.js";
export type { HealthStatus, HealthView } from "./health.js";
export {
  IDEMPOTENCY_KEY_INVALID,
  IDEMPOTENCY_KEY_MAX_LENGTH,
  parseIdempotencyKey,
} from "./idempotency.js";
export { ID_MAX_LENGTH, type IdKind, isValidId, parseId } from "./ids.js";
export {
  isTerminalStatus,
  JOB_STATUSES,
  type JobAck,
  type JobStatusName,
  type JobSummary,
  type JobView,
  type PurgeQueueResult,
  type StreamChunk,
  type StreamPollAnswer,
  TERMINAL_STATUSES,
  type TerminalStatusName,
} from "./job.js";
export { accept, isPlainObject, type Parsed, preview, refuse } from "./parsed.js";
export {
  EXECUTION_TIMEOUT_RANGE,
  type ExecutionPolicy,
  type MsRange,
  POLICY_NOT_OBJECT,
  parsePolicy,
  policyRangeError,
  policyTypeIssues,
  TTL_RANGE,
} from "./policy.js";
export {
  LIST_DEFAULT,
  LIST_MAX,
  parseBatchSize,
  parseFlag,
  parseLastEventId,
  parseListLimit,
  parseStatusFilter,
  parseTake,
  parseWait,
  WAIT_INVALID,
  WAIT_MAX_MS,
  WAIT_MIN_MS,
} from "./query.js";
export {
  parseResultBatch,
  parseResultBody,
  RESULT_BATCH_NOT_ARRAY,
  RESULT_NOT_OBJECT,
  type ResultBatchItem,
  type ResultFields,
} from "./result.js";
export {
  INPUT_REQUIRED,
  parseRunRequest,
  RUN_BODY_NOT_OBJECT,
  type RunRequest,
  type RunRequestBody,
  type S3Config,
} from "./run-request.js";
export {
  parseScalingPatch,
  SCALER_TYPES,
  SCALING_KEYS,
  SCALING_PATCH_EMPTY,
  SCALING_RANGES,
} from "./scaling-patch.js";
export { isHttpUrl, parseWebhookUrl, WEBHOOK_INVALID, WEBHOOK_NOT_STRING } from "./webhook.js";
export type { ResultBody, WorkerJob } from "./worker.js";
