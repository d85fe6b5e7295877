/** Programmatic entry of @gantry/cli: run the `gantry` command in-process. */
export type { CliIo } from "./io.js";
export { createProgram } from "./program.js";
export { runCli } from "./run.js";
