/**
 * Runs the CLI and turns every failure into an exit code and a one-line message: 2 for bad input (unknown file,
 * bad port, bad config, unknown option), 1 for a command that failed, 0 otherwise.
 */
import { CommanderError } from "commander";
import { CommandFailed, UsageError } from "./errors.js";
import { type CliIo, processIo } from "./io.js";
import { createProgram } from "./program.js";

export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let code = 0;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help / version).
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UsageError || err instanceof CommandFailed) {
      io.stderr.write(`gantry: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as Error;
    io.stderr.write(`gantry: unexpected error: ${e?.stack ?? String(err)}\n`);
    return 1;
  }
}
