/** A real HTTP server on loopback for the runtime's transport tests; `close` also drops kept-alive connections. */
import { once } from "node:events";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Loopback {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function listenLoopback(handler: RequestListener): Promise<Loopback> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
