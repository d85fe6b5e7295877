/**
 * `gantry dev <handler>`: the platform in memory with the handler as its worker, over the real protocol, reloaded
 * when files in the handler's directory change.
 */
import { dirname } from "node:path";
import { runDevServer } from "@gantry/server";
import type { Command } from "commander";
import { handlerCommand } from "../handler-command.js";
import type { CliIo } from "../io.js";
import { parseEndpointId, parseHost, parsePort } from "../options.js";

interface DevFlags {
  port: number;
  host: string;
  watch: boolean;
  endpoint: string;
}

export function registerDev(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("dev")
    .description("run a handler as a worker of an in-memory platform, reloading on file changes")
    .argument("<handler>", "handler file: .ts (run with tsx), .js/.mjs (node) or .py (python3)")
    .option("-p, --port <port>", "port to listen on (0 picks a free one)", parsePort, 8000)
    .option("--host <host>", "interface to bind (auth is off on loopback)", parseHost, "localhost")
    .option("--no-watch", "do not restart the worker when files change")
    .option("-e, --endpoint <id>", "endpoint id (routes also answer under /v2/<id>/)", parseEndpointId, "dev")
    .addHelpText(
      "after",
      '\nExample:\n  gantry dev handler.ts\n  curl -X POST http://localhost:8000/runsync -d \'{"input": {"name": "x"}}\'',
    )
    .action(async (handler: string, flags: DevFlags) => {
      const run = handlerCommand(handler, io.cwd, io.env);
      const code = await runDevServer({
        host: flags.host,
        port: flags.port,
        command: run.command,
        args: run.args,
        cwd: io.cwd,
        env: io.env,
        endpointId: flags.endpoint,
        ...(flags.watch ? { watch: [dirname(run.file)] } : {}),
        stdout: io.stdout,
        stderr: io.stderr,
      });
      setExit(code);
    });
}
