/** The `gantry` command tree; one module per command in `commands/`. */
import { Command } from "commander";
import { registerCancel } from "./commands/cancel.js";
import { registerDemo } from "./commands/demo.js";
import { registerDev } from "./commands/dev.js";
import { registerHealth } from "./commands/health.js";
import { registerInit } from "./commands/init.js";
import { registerLogs } from "./commands/logs.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerPurge } from "./commands/purge.js";
import { registerRetry } from "./commands/retry.js";
import { registerRun } from "./commands/run.js";
import { registerServe } from "./commands/serve.js";
import { registerStatus } from "./commands/status.js";
import { registerWorkers } from "./commands/workers.js";
import type { CliIo } from "./io.js";

export const CLI_VERSION = "0.1.0";

export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command()
    .name("gantry")
    .description("Gantry: a self-hosted serverless worker platform, wire-compatible with RunPod Serverless")
    .version(CLI_VERSION)
    .showHelpAfterError("(run gantry --help for usage)")
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride();
  registerServe(program, io, setExit);
  registerDev(program, io, setExit);
  registerDemo(program, io, setExit);
  registerInit(program, io, setExit);
  registerRun(program, io, setExit);
  registerStatus(program, io, setExit);
  registerCancel(program, io, setExit);
  registerRetry(program, io, setExit);
  registerHealth(program, io, setExit);
  registerWorkers(program, io, setExit);
  registerLogs(program, io, setExit);
  registerPurge(program, io, setExit);
  registerMigrate(program, io, setExit);
  // Subcommands inherit the output settings and exit override.
  for (const c of program.commands) c.exitOverride().configureOutput(program.configureOutput());
  return program;
}
