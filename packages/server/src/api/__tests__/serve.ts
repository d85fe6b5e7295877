/** Serves the API's request listener on a random loopback port for a test, as a server serves it. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestListener } from "../http/dispatcher.js";

export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(listener: RequestListener): Promise<Served> {
  return new Promise((resolve) => {
    const server = createServer(listener);
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
