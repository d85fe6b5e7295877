import type { NormalizedConfig } from "../config.js";
import type { HandlerContext, Job, ResultBody } from "../types.js";
import { errorStringFromThrown } from "./error-info.js";
import { isStreamIterator, isThenable } from "./kind.js";
import { mapReturnValue } from "./result.js";
import { runStream } from "./stream.js";

export interface ExecutionOutcome {
  body: ResultBody;
  /** True when the handler streamed: the final post then carries `isStream=true`. */
  streamed: boolean;
}

export interface ExecuteOptions {
  /** Environment for the error report's `hostname` / `worker_id` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

function failure(thrown: unknown, context: HandlerContext, env: NodeJS.ProcessEnv): ResultBody {
  const error = errorStringFromThrown(thrown, env);
  context.log.error(`Captured Handler Exception\n${error}`);
  return { error };
}

/**
 * Output that cannot become JSON (BigInt, cycles) would otherwise fail at post time with nothing posted,
 * leaving the job hanging on the platform (Python's behaviour); report it as the job's error instead.
 */
function ensureSerialisable(body: ResultBody, context: HandlerContext, env: NodeJS.ProcessEnv): ResultBody {
  try {
    JSON.stringify(body);
    return body;
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return failure(new TypeError(`handler output is not JSON-serialisable: ${message}`), context, env);
  }
}

/** Runs one job through the handler; like `executeJob` but also says whether it streamed. Never throws. */
export async function executeJobDetailed(
  job: Job,
  config: NormalizedConfig,
  context: HandlerContext,
  onChunk: (output: unknown) => Promise<void>,
  options: ExecuteOptions = {},
): Promise<ExecutionOutcome> {
  const env = options.env ?? process.env;
  let returned: unknown;
  try {
    returned = config.handler(job, context);
    if (!isStreamIterator(returned) && isThenable(returned)) returned = await returned;
  } catch (thrown) {
    return { body: failure(thrown, context, env), streamed: false };
  }
  // An async function that resolves to a generator streams too: posting the generator object itself
  // (Python's behaviour for such a return) would only ever produce an empty output.
  if (isStreamIterator(returned)) {
    const body = await runStream(
      returned,
      { aggregate: config.returnAggregateStream, signal: context.signal },
      onChunk,
    );
    return { body: ensureSerialisable(body, context, env), streamed: true };
  }
  return { body: ensureSerialisable(mapReturnValue(returned), context, env), streamed: false };
}

/**
 * Runs one job through the handler and returns the job-done body (docs/protocol.md §11.2–§11.4). Streamed
 * values go to `onChunk` in order, each awaited. `stopPod` appears only when the handler returned
 * `refresh_worker`; the config-level `refreshWorker` is the caller's business. Never throws.
 */
export async function executeJob(
  job: Job,
  config: NormalizedConfig,
  context: HandlerContext,
  onChunk: (output: unknown) => Promise<void>,
): Promise<ResultBody> {
  return (await executeJobDetailed(job, config, context, onChunk)).body;
}
