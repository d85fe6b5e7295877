/**
 * A loopback HTTP proxy for fault injection: each request is logged, then a plan decides whether to forward it
 * (optionally with a rewritten path), answer it itself (e.g. 503 with Retry-After), or forward it and drop the
 * answer (a response lost on the way back). Bodies are streamed both ways, so server-sent events pass through.
 */
import { createServer, type IncomingMessage, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  at: number;
}

export type Decision =
  | { kind: "pass"; path?: string }
  | { kind: "answer"; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: "lose" }
  /** Never answers (until the proxy closes). */
  | { kind: "hang" };

export interface FaultProxy {
  url: string;
  seen: Seen[];
  /** Upstream answers of requests whose response was dropped. */
  lost: { status: number; body: string }[];
  close(): Promise<void>;
}

export async function startProxy(
  upstream: string,
  plan: (req: Seen, n: number) => Decision = () => ({ kind: "pass" }),
  port = 0,
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const seen: Seen[] = [];
  const lost: { status: number; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const entry: Seen = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      headers: req.headers,
      at: Date.now(),
    };
    seen.push(entry);
    const d = plan(entry, seen.length);
    if (d.kind === "hang") {
      req.resume();
      return;
    }
    if (d.kind === "answer") {
      req.resume();
      res.writeHead(d.status, { "content-type": "application/json", ...d.headers });
      res.end(d.body === undefined ? "" : JSON.stringify(d.body));
      return;
    }
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: d.kind === "pass" && d.path ? d.path : req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upRes) => {
        if (d.kind === "lose") {
          let body = "";
          upRes.setEncoding("utf8");
          upRes.on("data", (c: string) => {
            body += c;
          });
          upRes.on("end", () => {
            lost.push({ status: upRes.statusCode ?? 0, body });
            req.socket.destroy();
          });
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    seen,
    lost,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
