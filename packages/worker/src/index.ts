/**
 * @gantry/worker: turn a TypeScript function into a serverless worker for Gantry or RunPod.
 */

export type { NormalizedConfig } from "./config.js";
export { type ExecutionOutcome, executeJob, executeJobDetailed } from "./job/execute.js";
export { Logger, log } from "./logger.js";
export { type FitnessCheck, registerFitnessCheck } from "./runtime/fitness.js";
export { progressUpdate } from "./runtime/progress.js";
export { createWorkerRuntime, type WorkerRuntime, type WorkerRuntimeOptions } from "./runtime/runtime.js";
export { start } from "./start.js";
export type {
  Handler,
  HandlerContext,
  Job,
  JobLogger,
  LogLevelName,
  ResultBody,
  WorkerConfig,
} from "./types.js";
export {
  type RpRule,
  type RpSchema,
  type RpType,
  type RpTypeTag,
  type ValidationResult,
  validate,
  validateAsync,
} from "./validate/index.js";
export { version } from "./version.js";
