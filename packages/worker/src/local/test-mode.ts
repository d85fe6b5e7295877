/**
 * One-shot local test (docs/protocol.md §12.2): run one job through the handler in this process and exit.
 * Unlike Python, generators are iterated, so a streaming handler can be tried locally too.
 */
import type { WorkerArgs } from "../args.js";
import type { NormalizedConfig } from "../config.js";
import { executeJob } from "../job/execute.js";
import { isPythonTruthy } from "../job/kind.js";
import { log as defaultLogger, type Logger } from "../logger.js";
import { setActiveProgressSink } from "../runtime/active.js";
import { progressOutput } from "../runtime/progress.js";
import type { HandlerContext } from "../types.js";
import { compactJson } from "./compact-json.js";
import { loadTestJob } from "./test-input.js";

export interface LocalTestOptions {
  /** Directory searched for `test_input.json`. Default: the process's CWD. */
  cwd?: string;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Where the `Job result:` line goes when the log level hides INFO. Default: stdout. */
  print?: (line: string) => void;
}

function printStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Runs the local test job; resolves with the process exit code (0 success, 1 failure or unusable input). */
export async function runLocalTest(
  config: NormalizedConfig,
  args: WorkerArgs,
  options: LocalTestOptions = {},
): Promise<number> {
  const log = options.logger ?? defaultLogger;
  const env = options.env ?? process.env;
  const print = options.print ?? printStdout;

  const loaded = await loadTestJob(args, options.cwd);
  if (!loaded.ok) {
    log[loaded.level](loaded.message);
    return 1;
  }
  const { job } = loaded;
  log.info(`Using ${loaded.source} as job input.`);
  log.debug(`Retrieved local job: ${compactJson(job)}`);

  const reportProgress = async (progress: unknown, message?: string): Promise<void> => {
    log.info(`Progress: ${compactJson(progressOutput(progress, message))}`);
  };

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    log.warn("Interrupted: aborting the job (press Ctrl+C again to exit now).", job.id);
    controller.abort(new Error("Interrupted (SIGINT)"));
  };
  process.on("SIGINT", onSigint);
  const unregister = setActiveProgressSink(async (jobId, progress, message) => {
    if (jobId === job.id) await reportProgress(progress, message);
    else log.warn(`Progress update for job ${jobId}, which is not the local test job; ignored.`);
  });

  const context: HandlerContext = {
    signal: controller.signal,
    progress: (progress, message) => reportProgress(progress, message),
    log: log.forJob(job),
    workerId: env.RUNPOD_POD_ID || "local",
  };

  // Node exits (code 0, silently) once nothing is left to wait on, even while the handler's promise is pending:
  // report that as the failure it is instead of letting the process vanish without a result.
  let onStall = (): void => {};
  const stalled = new Promise<"stalled">((resolve) => {
    onStall = () => resolve("stalled");
  });
  process.on("beforeExit", onStall);

  try {
    const outcome = await Promise.race([
      executeJob(job, config, context, async (output) => {
        log.info(`Stream chunk: ${compactJson(output)}`);
      }),
      stalled,
    ]);
    if (outcome === "stalled") {
      log.error(
        `Job ${job.id} failed with error: the handler never finished; it awaits something that nothing can complete (no timer, I/O or child process is left to wait on).`,
      );
      return 1;
    }
    const body = outcome;
    // The whole body is printed on failure too: a returned `{error, status, retry}` keeps its other keys.
    const resultLine = `Job result: ${compactJson(body)}`;
    const printResult = () => (log.isEnabled("INFO") ? log.info(resultLine) : print(resultLine));
    if (isPythonTruthy(body.error)) {
      const error = typeof body.error === "string" ? body.error : compactJson(body.error);
      log.error(`Job ${job.id} failed with error: ${error}`);
      printResult();
      return 1;
    }
    log.info(`Job ${job.id} completed successfully.`);
    printResult();
    log.info("Local testing complete, exiting.");
    return 0;
  } catch (thrown) {
    // executeJob is not expected to throw; if it does, still report instead of crashing.
    log.error(
      `Job ${job.id} failed with error: ${thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown)}`,
    );
    return 1;
  } finally {
    unregister();
    process.off("SIGINT", onSigint);
    process.off("beforeExit", onStall);
  }
}
