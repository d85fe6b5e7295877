/**
 * The physical floor: a bare `node:http` server answering a small JSON body, measured on the spot with the
 * same undici client, so "added time" and "× floor" compare like with like on this machine, now.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { callJson, pool } from "./http.js";
import { latencyPercentiles } from "./stats.js";

export interface EchoServer {
  url: string;
  close(): Promise<void>;
}

export async function startEchoServer(): Promise<EchoServer> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : Buffer.from('{"ok":true}');
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `count` sequential POST round trips of a small JSON body: p50/p99 in ms. */
export async function measureFloorRtt(count: number): Promise<{ p50: number; p99: number }> {
  const echo = await startEchoServer();
  const client = pool(echo.url, 1);
  try {
    const samples: number[] = [];
    for (let i = 0; i < count + 50; i++) {
      const t = performance.now();
      const r = await callJson(client, "POST", "/echo", { body: { input: {} } });
      if (r.status !== 200) throw new Error(`echo answered ${r.status}`);
      if (i >= 50) samples.push(performance.now() - t);
    }
    return latencyPercentiles(samples);
  } finally {
    await client.close();
    await echo.close();
  }
}
