/** Serves a Hono app (and the fast lane in front of it, as a server does) on a random loopback port for a test. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Hono } from "hono";
import type { AppEnv } from "../env.js";
import type { FastLane } from "../fast-lane.js";
import { nodeListener } from "../node-listener.js";

export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(app: Hono<AppEnv>, fastLane?: FastLane): Promise<Served> {
  return new Promise((resolve) => {
    const server = createServer(nodeListener(app, { fastLane, hostname: "127.0.0.1" }));
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
