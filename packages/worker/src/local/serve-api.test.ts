import { describe, expect, it } from "vitest";
import { parseWorkerArgs } from "../args.js";
import type { NormalizedConfig } from "../config.js";
import { Logger } from "../logger.js";
import { type DevServerOptions, serveApi } from "./serve-api.js";

const config: NormalizedConfig = { handler: () => null, returnAggregateStream: false, refreshWorker: false };

function capture() {
  const lines: string[] = [];
  return { lines, logger: new Logger({ write: (l) => lines.push(l), env: {}, level: "DEBUG" }) };
}

function moduleNotFound(): Error {
  return Object.assign(new Error("Cannot find package '@gantry/server' imported from /x"), {
    code: "ERR_MODULE_NOT_FOUND",
  });
}

describe("serveApi", () => {
  it("without @gantry/server: tells the user to install it and returns 1", async () => {
    const { lines, logger } = capture();
    const code = await serveApi(config, parseWorkerArgs(["--rp_serve_api"]).args, [], {
      logger,
      importServer: () => Promise.reject(moduleNotFound()),
    });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^ERROR {2}\| install @gantry\/server to use --rp_serve_api \(Cannot find package/,
    );
  });

  it("reports other load failures without crashing", async () => {
    const { lines, logger } = capture();
    const code = await serveApi(config, parseWorkerArgs([]).args, [], {
      logger,
      importServer: () => Promise.reject(new SyntaxError("broken build")),
    });
    expect(code).toBe(1);
    expect(lines).toEqual(["ERROR  | Could not load @gantry/server for --rp_serve_api: broken build"]);
  });

  it("refuses a server package without runDevServer", async () => {
    const { lines, logger } = capture();
    const code = await serveApi(config, parseWorkerArgs([]).args, [], {
      logger,
      importServer: async () => ({}),
    });
    expect(code).toBe(1);
    expect(lines[0]).toContain("has no runDevServer()");
  });

  it("runs this script as the dev server's worker, with the API flags and the user's own flags", async () => {
    const { logger } = capture();
    let received: DevServerOptions | undefined;
    const { args, rest } = parseWorkerArgs([
      "--rp_serve_api",
      "--rp_api_port",
      "9123",
      "--rp_api_host=0.0.0.0",
      "--model",
      "m",
    ]);
    const code = await serveApi(config, args, rest, {
      logger,
      importServer: async () => ({
        runDevServer: async (options: DevServerOptions) => {
          received = options;
          return 3;
        },
      }),
    });
    expect(code).toBe(3);
    expect(received).toEqual({
      host: "0.0.0.0",
      port: 9123,
      command: process.execPath,
      args: [...process.execArgv, process.argv[1], "--model", "m"],
      cwd: process.cwd(),
      env: process.env,
    });
    expect(received?.args).not.toContain("--rp_serve_api");
  });

  it("turns a failing dev server into exit code 1", async () => {
    const { lines, logger } = capture();
    const code = await serveApi(config, parseWorkerArgs([]).args, [], {
      logger,
      importServer: async () => ({
        runDevServer: async () => {
          throw new Error("listen EADDRINUSE 127.0.0.1:8000");
        },
      }),
    });
    expect(code).toBe(1);
    expect(lines).toEqual(["ERROR  | The local development API failed: listen EADDRINUSE 127.0.0.1:8000"]);
  });
});
