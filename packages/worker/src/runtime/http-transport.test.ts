// The node:http transport under ProtocolHttp: connection reuse, cancellation and error classification, against
// real loopback servers.
import { execFile } from "node:child_process";
import { once } from "node:events";
import type { Server } from "node:http";
import { type AddressInfo, createServer as createTcpServer, type Socket } from "node:net";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Loopback, listenLoopback } from "./__tests__/loopback.js";
import { ProtocolHttp, socketsFor } from "./http.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const TSX = pathToFileURL(join(REPO_ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs")).href;
const SDK_ENTRY = pathToFileURL(fileURLToPath(new URL("../index.ts", import.meta.url))).href;

let server: Server;
let loop: Loopback;
let url: string;
let http: ProtocolHttp;
let connections: number;
/** The server-side socket that served each request, in order. */
let sockets: Socket[];
let bodies: string[];

beforeEach(async () => {
  connections = 0;
  sockets = [];
  bodies = [];
  loop = await listenLoopback(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    sockets.push(req.socket);
    bodies.push(body);
    if (req.url?.startsWith("/hang")) return;
    if (req.url?.startsWith("/cut")) {
      // Headers and part of a declared body, then the connection drops.
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"par', () => req.socket.destroy());
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    // A body larger than one chunk, so reuse depends on reading it all.
    res.end(JSON.stringify({ path: req.url, length: body.length, pad: "x".repeat(64 * 1024) }));
  });
  server = loop.server;
  server.on("connection", () => connections++);
  url = loop.url;
  http = new ProtocolHttp("key");
});

afterEach(async () => {
  await http.close();
  await loop.close();
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = createTcpServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("ProtocolHttp transport", () => {
  it("serves consecutive requests, GETs and JSON POSTs, over one kept-alive socket", async () => {
    for (let i = 0; i < 20; i++) {
      const reply =
        i % 2 === 0
          ? await http.send(`${url}/take/${i}?x=1`, { timeoutMs: 10_000 })
          : await http.send(`${url}/done/${i}`, {
              method: "POST",
              body: '{"output":"é"}',
              timeoutMs: 10_000,
            });
      expect(reply.status).toBe(200);
      expect(JSON.parse(reply.text).path).toBe(i % 2 === 0 ? `/take/${i}?x=1` : `/done/${i}`);
    }
    expect(sockets).toHaveLength(20);
    expect(new Set(sockets).size).toBe(1);
    expect(connections).toBe(1);
    // Content-Length counts bytes, not UTF-16 units: the server read the whole body.
    expect(bodies[1]).toBe('{"output":"é"}');
  });

  it("rejects with the caller's abort reason, closes that socket, and keeps working", async () => {
    const controller = new AbortController();
    const pending = http.send(`${url}/hang`, { timeoutMs: 10_000, signal: controller.signal });
    while (sockets.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error("stop now");
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    const hung = sockets[0];
    if (hung && !hung.destroyed) await once(hung, "close");
    const reply = await http.send(`${url}/after`, { timeoutMs: 10_000 });
    expect(reply.status).toBe(200);
    expect(sockets[1]).not.toBe(hung);
  });

  it("rejects at once when the signal is already aborted, sending nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      http.send(`${url}/x`, { timeoutMs: 10_000, signal: controller.signal }),
    ).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(connections).toBe(0);
  });

  it("times out a request whose answer never comes with a TimeoutError", async () => {
    const started = Date.now();
    await expect(http.send(`${url}/hang`, { timeoutMs: 150 })).rejects.toMatchObject({
      name: "TimeoutError",
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("classifies connection refused as a plain error, not a timeout", async () => {
    const port = await closedPort();
    const error = await http
      .send(`http://127.0.0.1:${port}/x`, { timeoutMs: 10_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ code: "ECONNREFUSED" });
    expect((error as Error).name).not.toBe("TimeoutError");
  });

  it("rejects a body cut short by the server instead of returning part of it", async () => {
    const error = await http.send(`${url}/cut`, { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).not.toBe("TimeoutError");
  });

  it("rejects a server that hangs up without answering as a plain error", async () => {
    const raw = createTcpServer((socket) => socket.once("data", () => socket.destroy()));
    raw.listen(0, "127.0.0.1");
    await once(raw, "listening");
    try {
      const { port } = raw.address() as AddressInfo;
      const error = await http
        .send(`http://127.0.0.1:${port}/x`, { timeoutMs: 10_000 })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "ECONNRESET" });
      expect((error as Error).name).not.toBe("TimeoutError");
    } finally {
      await new Promise((resolve) => raw.close(resolve));
    }
  });

  it("rejects URLs it cannot send to, and requests after close", async () => {
    await expect(http.send("ftp://127.0.0.1/x", { timeoutMs: 1000 })).rejects.toThrow(/Unsupported protocol/);
    await expect(http.send("not a url", { timeoutMs: 1000 })).rejects.toThrow();
    await http.close();
    await expect(http.send(`${url}/x`, { timeoutMs: 1000 })).rejects.toThrow(/closed/);
  });

  it("sizes the pool so concurrent requests each get a socket", async () => {
    expect(socketsFor(1)).toBeGreaterThanOrEqual(4);
    expect(socketsFor(16)).toBeGreaterThan(3 * 16 + 2);
    expect(socketsFor(Number.NaN)).toBe(socketsFor(1));
    http.sizeFor(4);
    // Two long-polls held open, and results posted beside them: none waits for a hung request to end.
    const controller = new AbortController();
    const held = [1, 2].map(() => http.send(`${url}/hang`, { timeoutMs: 10_000, signal: controller.signal }));
    const posts = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        http.send(`${url}/done/${i}`, { method: "POST", body: "{}", timeoutMs: 10_000 }),
      ),
    );
    expect(posts.every((reply) => reply.status === 200)).toBe(true);
    controller.abort();
    await Promise.allSettled(held);
  });

  it("importing the SDK opens no connection and loads no HTTP client library", async () => {
    const script = [
      "import { createRequire } from 'node:module';",
      `await import(${JSON.stringify(SDK_ENTRY)});`,
      "const cache = createRequire(import.meta.url).cache;",
      "const undici = Object.keys(cache).filter((k) => /[\\\\/]undici[\\\\/]/.test(k)).length;",
      "const tcp = process.getActiveResourcesInfo().filter((r) => /TCP/i.test(r)).length;",
      "process.stdout.write(JSON.stringify({ undici, tcp }));",
    ].join("\n");
    const env = {
      ...process.env,
      RUNPOD_WEBHOOK_GET_JOB: `${url}/v2/job-take/$RUNPOD_POD_ID`,
      RUNPOD_WEBHOOK_PING: `${url}/ping/$RUNPOD_POD_ID`,
      RUNPOD_POD_ID: "w1",
    };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--import", TSX, "--input-type=module", "-e", script],
      { cwd: REPO_ROOT, timeout: 30_000, env },
    );
    expect(JSON.parse(stdout)).toEqual({ undici: 0, tcp: 0 });
    expect(connections).toBe(0);
  });
});
