/** `gantry serve`: a production server from a config file, flags and GANTRY_* variables, until SIGINT/SIGTERM. */
import { resolve } from "node:path";
import { ConfigError, describeStore, type GantryServer, startServer } from "@gantry/server";
import type { Command } from "commander";
import { CommandFailed, UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { parseHost, parsePort } from "../options.js";
import { styleFor } from "../style.js";

interface ServeFlags {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  memory?: boolean;
  json?: boolean;
}

export function registerServe(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("serve")
    .description("run the Gantry server (public API and worker protocol)")
    .option("-c, --config <file>", "JSON config file (see docs/configuration.md)")
    .option("--host <host>", "interface to bind (overrides the config)", parseHost)
    .option("-p, --port <port>", "port to listen on (overrides the config; 0 picks a free one)", parsePort)
    .option("--data-dir <dir>", "directory for gantry.db and secrets.json")
    .option("--memory", "keep jobs in memory only (lost on exit)")
    .option("--json", "print the start-up summary as one JSON line")
    .action(async (flags: ServeFlags) => {
      const env: NodeJS.ProcessEnv = { ...io.env };
      // Flags beat GANTRY_* variables; startServer only takes host and port as overrides, so the rest goes
      // through the environment it reads (which already outranks the file).
      if (flags.dataDir !== undefined) env.GANTRY_DATA_DIR = resolve(io.cwd, flags.dataDir);
      if (flags.memory) env.GANTRY_STORE = "memory";
      let server: GantryServer;
      try {
        server = await startServer({
          ...(flags.config !== undefined ? { configPath: resolve(io.cwd, flags.config) } : {}),
          ...(flags.host !== undefined ? { host: flags.host } : {}),
          ...(flags.port !== undefined ? { port: flags.port } : {}),
          env,
        });
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message);
        // startServer words listen failures itself ("port 8080 on 127.0.0.1 is already in use").
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
          throw new UsageError(`cannot listen: ${(err as Error).message}`);
        throw new CommandFailed(`server failed to start: ${(err as Error).message}`);
      }
      const summary = {
        url: server.url,
        publicUrl: server.publicUrl,
        endpoints: server.config.endpoints.map((e) => e.id),
        store: describeStore(server.config),
        auth: server.config.auth.disabled ? "disabled" : "api keys",
      };
      const s = styleFor(io.stderr, io.env);
      if (flags.json) io.stderr.write(`${JSON.stringify({ event: "listening", ...summary })}\n`);
      else {
        io.stderr.write(
          [
            `${s.bold("Gantry")} listening on ${s.cyan(summary.url)}`,
            `  endpoints: ${summary.endpoints.length > 0 ? summary.endpoints.join(", ") : s.yellow("none configured")}`,
            `  store: ${summary.store}`,
            `  workers connect to: ${summary.publicUrl}`,
            `  auth: ${summary.auth}`,
            "  Ctrl+C to stop",
            "",
          ].join("\n"),
        );
      }
      await new Promise<void>((done) => {
        let stopping = false;
        const stop = (signal: NodeJS.Signals): void => {
          if (stopping) {
            io.stderr.write(`received ${signal} again: exiting now\n`);
            process.exit(1);
          }
          stopping = true;
          io.stderr.write(`received ${signal}: stopping…\n`);
          void server.close().then(done, (err: unknown) => {
            io.stderr.write(`error while stopping: ${(err as Error).message}\n`);
            setExit(1);
            done();
          });
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
      io.stderr.write("stopped\n");
    });
}
