#!/usr/bin/env node
import { runCli } from "./run.js";

const code = await runCli(process.argv.slice(2));
// Let pending writes flush instead of exiting mid-output; anything left running (a stray handle) is cut.
process.exitCode = code;
setTimeout(() => process.exit(code), 200).unref();
