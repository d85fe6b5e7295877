import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { runExample } from "../test-helpers.js";
import { runOnPlatform } from "../test-platform.js";

let server: Server | undefined;
let fallback: NodeJS.Timeout | undefined;

afterEach(async () => {
  clearTimeout(fallback);
  if (!server) return;
  server.closeAllConnections();
  server.close();
  await once(server, "close");
  server = undefined;
});

/**
 * Answers `/item/<n>` only once `expected` requests are in flight together: a handler that fetched one URL
 * at a time would never get its first answer (and would fail with 504 after the fallback delay).
 */
async function startBarrierServer(expected: number): Promise<string> {
  const waiting: Array<{ req: IncomingMessage; res: ServerResponse }> = [];
  fallback = undefined;
  const flush = (status: number) => {
    clearTimeout(fallback);
    for (const { req, res } of waiting.splice(0)) {
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(status === 200 ? `body of ${req.url} (seen ${expected} at once)` : "not concurrent");
    }
  };
  server = createServer((req, res) => {
    if (!req.url?.startsWith("/item/")) {
      res.writeHead(404).end("missing");
      return;
    }
    waiting.push({ req, res });
    if (waiting.length === expected) flush(200);
    else fallback ??= setTimeout(() => flush(504), 5_000);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("async-io example", () => {
  it("fetches all URLs concurrently and keeps input order", async () => {
    const base = await startBarrierServer(3);
    const urls = [`${base}/item/1`, `${base}/item/2`, `${base}/item/3`];
    const run = await runExample("async-io", { testInput: { input: { urls } } });
    expect(run.code).toBe(0);
    expect(run.result).toEqual({
      output: {
        results: [
          "body of /item/1 (seen 3 at once)",
          "body of /item/2 (seen 3 at once)",
          "body of /item/3 (seen 3 at once)",
        ],
      },
    });
  });

  it("fails the job when one URL answers with an error status", async () => {
    const base = await startBarrierServer(2);
    const run = await runExample("async-io", {
      testInput: { input: { urls: [`${base}/item/1`, `${base}/missing`] } },
    });
    expect(run.code).toBe(1);
    expect(run.failure).toContain("answered 404");
  });

  it("rejects non-http URLs before doing any I/O", async () => {
    const run = await runExample("async-io", { testInput: { input: { urls: ["file:///etc/passwd"] } } });
    expect(run.code).toBe(1);
    expect(run.failure).toBe("urls[0] must be http or https");
  });

  it("aborts its downloads when the platform cancels the job", async () => {
    // Holds every request and records when the worker drops its side of it.
    const arrived: Array<Promise<unknown>> = [];
    let onBoth: () => void = () => {};
    const bothArrived = new Promise<void>((resolve) => {
      onBoth = resolve;
    });
    server = createServer((req, res) => {
      arrived.push(once(res, "close"));
      if (arrived.length === 2) onBoth();
      req.resume();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const run = await runOnPlatform(
      "async-io",
      { id: "fetch-cancel", input: { urls: [`${base}/slow/1`, `${base}/slow/2`] } },
      // The worker must drop both requests while it is still running (before SIGTERM).
      { stopJob: bothArrived, beforeShutdown: () => Promise.all(arrived), timeoutMs: 15_000 },
    );
    expect(run.result).toBeUndefined(); // a stopped job posts nothing
    expect(run.code).toBe(0);
  });
});
