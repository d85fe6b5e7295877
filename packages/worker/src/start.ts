import { parseWorkerArgs, type WorkerArgs } from "./args.js";
import { type NormalizedConfig, normalizeConfig } from "./config.js";
import { log } from "./logger.js";
import { createWorkerRuntime } from "./runtime/runtime.js";
import type { WorkerConfig } from "./types.js";
import { version } from "./version.js";

export type WorkerMode = "serve-api" | "local-test" | "production";

/** Mode selection of docs/protocol.md §12.1, in its order. */
export function selectMode(args: WorkerArgs, env: NodeJS.ProcessEnv): WorkerMode {
  if (args.rp_serve_api) return "serve-api";
  // Presence, not truthiness: an empty RUNPOD_WEBHOOK_GET_JOB still means production, as in Python.
  if (args.test_input !== undefined || args.test_input_error !== undefined) return "local-test";
  if (env.RUNPOD_WEBHOOK_GET_JOB === undefined) return "local-test";
  return "production";
}

async function runMode(
  mode: WorkerMode,
  config: NormalizedConfig,
  args: WorkerArgs,
  rest: string[],
): Promise<number> {
  switch (mode) {
    case "serve-api": {
      const { serveApi } = await import("./local/serve-api.js");
      return serveApi(config, args, rest);
    }
    case "local-test": {
      const { runLocalTest } = await import("./local/test-mode.js");
      return runLocalTest(config, args);
    }
    case "production": {
      // A stray rejected promise in user code must not kill a worker holding other jobs.
      process.on("unhandledRejection", (reason) => {
        log.error(
          `Uncaught exception | ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
        );
      });
      return createWorkerRuntime({ config, handleSignals: true }).run();
    }
  }
}

/**
 * Turns `config.handler` into a worker and runs it until it is done, then exits the process with the
 * mode's exit code. An invalid config throws a TypeError synchronously, before anything starts.
 */
export function start(config: WorkerConfig): Promise<never> {
  const normalized = normalizeConfig(config);
  return (async (): Promise<never> => {
    let code: number;
    try {
      const { args, rest } = parseWorkerArgs(process.argv.slice(2));
      if (args.rp_log_level !== undefined) log.setLevel(args.rp_log_level);
      process.stdout.write(`--- Starting Serverless Worker |  Version ${version} ---\n`);
      code = await runMode(selectMode(args, process.env), normalized, args, rest);
    } catch (thrown) {
      log.error(thrown instanceof Error ? thrown.message : String(thrown));
      code = 1;
    }
    process.exit(code);
  })();
}
