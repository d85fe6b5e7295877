/** Runs the production runtime in-process against a RecordingServer, with a log the test can read. */
import { normalizeConfig } from "../src/config.js";
import { Logger } from "../src/logger.js";
import { createWorkerRuntime, type WorkerRuntime } from "../src/runtime/runtime.js";
import type { WorkerConfig } from "../src/types.js";
import type { RecordedRequest, RecordingServer } from "./recording-server.js";

export interface RunningWorker {
  runtime: WorkerRuntime;
  exit: Promise<number>;
  lines: string[];
  /** Graceful shutdown; resolves with the exit code. */
  stop(): Promise<number>;
}

export function startWorker(
  server: RecordingServer,
  config: WorkerConfig,
  /** `env` entries set to undefined are removed from the worker's environment. */
  options: { env?: Record<string, string | undefined>; retryDelaysMs?: number[] } = {},
): RunningWorker {
  const lines: string[] = [];
  const env: Record<string, string | undefined> = server.workerEnv();
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const logger = new Logger({ write: (line) => lines.push(line), env: {}, level: "DEBUG" });
  const runtime = createWorkerRuntime({
    config: normalizeConfig(config),
    env,
    logger,
    retryDelaysMs: options.retryDelaysMs ?? [50, 100, 200],
    fitnessChecks: [],
  });
  const exit = runtime.run();
  return {
    runtime,
    exit,
    lines,
    stop: () => {
      runtime.shutdown("test over");
      return exit;
    },
  };
}

export const isDone = (jobId?: string) => (r: RecordedRequest) =>
  r.route === "done" && (jobId === undefined || r.jobId === jobId) && !r.body.includes('"IN_PROGRESS"');

/** Job ids whose results a request carries: a job-done's (progress posts excluded), or each of a batch's. */
export function resultIds(request: RecordedRequest): string[] {
  if (request.route === "done-batch") return (JSON.parse(request.body) as { id: string }[]).map((i) => i.id);
  return isDone()(request) && request.jobId !== undefined ? [request.jobId] : [];
}

/** Results delivered so far, in request order, through job-done or job-done-batch. */
export function deliveredIds(requests: readonly RecordedRequest[]): string[] {
  return requests.flatMap(resultIds);
}

export function json(request: RecordedRequest): unknown {
  return JSON.parse(request.body);
}

/** A promise plus its resolver, for handlers the test releases. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** `n` jobs `<prefix>1…<prefix>n` whose input is their number, as a take answers them. */
export const numberedJobs = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i + 1}`, input: i + 1 }));
