/**
 * `--rp_serve_api`: the platform itself (from `@gantry/server`, an optional peer) runs in memory and spawns this
 * very script, without the flag, as its worker over the real protocol — so local calls exercise the same code
 * paths as production, unlike Python's separate FastAPI app (docs/protocol.md §12.3).
 */
import type { WorkerArgs } from "../args.js";
import type { NormalizedConfig } from "../config.js";
import { log as defaultLogger, type Logger } from "../logger.js";

/** What `runDevServer` of `@gantry/server` takes; typed here so the worker carries no server dependency. */
export interface DevServerOptions {
  host: string;
  port: number;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface ServeApiOptions {
  /** Loads the server package; replaceable in tests. */
  importServer?: () => Promise<unknown>;
  logger?: Logger;
}

const SERVER_PACKAGE: string = "@gantry/server";

function loadServerPackage(): Promise<unknown> {
  // A non-literal specifier keeps TypeScript from requiring the (optional) package at build time.
  return import(SERVER_PACKAGE);
}

function errorText(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

type RunDevServer = (options: DevServerOptions) => Promise<unknown>;

/** Runs the local development API until SIGINT/SIGTERM; resolves with the process exit code. */
export async function serveApi(
  _config: NormalizedConfig,
  args: WorkerArgs,
  rest: string[],
  options: ServeApiOptions = {},
): Promise<number> {
  const log = options.logger ?? defaultLogger;
  let mod: unknown;
  try {
    mod = await (options.importServer ?? loadServerPackage)();
  } catch (thrown) {
    if ((thrown as NodeJS.ErrnoException)?.code === "ERR_MODULE_NOT_FOUND") {
      log.error(`install ${SERVER_PACKAGE} to use --rp_serve_api (${errorText(thrown)})`);
    } else {
      log.error(`Could not load ${SERVER_PACKAGE} for --rp_serve_api: ${errorText(thrown)}`);
    }
    return 1;
  }
  const runDevServer = (mod as { runDevServer?: unknown } | null)?.runDevServer;
  if (typeof runDevServer !== "function") {
    log.error(`${SERVER_PACKAGE} has no runDevServer(); install a version that supports --rp_serve_api.`);
    return 1;
  }
  const script = process.argv[1];
  if (script === undefined || script === "") {
    log.error("--rp_serve_api needs a script file: the dev server re-runs it as its worker.");
    return 1;
  }
  if (args.rp_api_concurrency > 1) {
    log.warn("--rp_api_concurrency is ignored: the worker's concurrency comes from concurrencyModifier.");
  }
  try {
    const code = await (runDevServer as RunDevServer)({
      host: args.rp_api_host,
      port: args.rp_api_port,
      command: process.execPath,
      args: [...process.execArgv, script, ...rest],
      cwd: process.cwd(),
      env: process.env,
    });
    return typeof code === "number" && Number.isInteger(code) ? code : 0;
  } catch (thrown) {
    log.error(`The local development API failed: ${errorText(thrown)}`);
    return 1;
  }
}
