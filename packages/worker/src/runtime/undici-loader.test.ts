import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProtocolHttp } from "./http.js";
import { loadUndici, undiciPaths } from "./undici-loader.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const TSX = pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs")).href;
const SDK_ENTRY = pathToFileURL(fileURLToPath(new URL("../index.ts", import.meta.url))).href;

let server: Server;
let url: string;
let connections: number;

beforeEach(async () => {
  connections = 0;
  server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ path: req.url, method: req.method }));
  });
  server.on("connection", () => connections++);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("undici loader", () => {
  it("loads only the agent and request parts of the pinned undici", async () => {
    const parts = loadUndici();
    expect(parts.lean).toBe(true);
    expect(undiciPaths().agent).toMatch(/undici[\\/]lib[\\/]dispatcher[\\/]agent\.js$/);
    const agent = new parts.Agent({ keepAliveTimeout: 1000 });
    try {
      const reply = await parts.request(`${url}/a/b?x=1&y=%20`, {
        method: "POST",
        body: "{}",
        dispatcher: agent,
      });
      expect(reply.statusCode).toBe(200);
      expect(JSON.parse(await reply.body.text())).toEqual({ path: "/a/b?x=1&y=%20", method: "POST" });
    } finally {
      await agent.close();
    }
  });

  it("reuses keep-alive connections for sequential protocol requests", async () => {
    const http = new ProtocolHttp("key");
    try {
      for (let i = 0; i < 50; i++) {
        const reply = await http.send(`${url}/take/${i}`, { timeoutMs: 5000 });
        expect(reply.status).toBe(200);
      }
      // A socket may still be finishing its previous response when the next request goes out, so a second one
      // can open; what must not happen is a connection per request.
      expect(connections).toBeLessThanOrEqual(2);
    } finally {
      await http.close();
    }
  });

  it("importing the SDK does not load undici (the first request does)", async () => {
    const script = [
      "import { createRequire } from 'node:module';",
      `await import(${JSON.stringify(SDK_ENTRY)});`,
      "const cache = createRequire(import.meta.url).cache;",
      "process.stdout.write(String(Object.keys(cache).filter((k) => /[\\\\/]undici[\\\\/]/.test(k)).length));",
    ].join("\n");
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", TSX, "--input-type=module", "-e", script],
      { cwd: REPO_ROOT, timeout: 20_000 },
    );
    expect(stdout).toBe("0");
  });
});
