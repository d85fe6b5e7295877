/**
 * An SSE stream survives a server restart: same data dir, new server on the same port. The client reconnects with
 * Last-Event-ID and resumes without duplicates or gaps.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Endpoint } from "../src/index.js";
import { type FaultProxy, startProxy } from "./proxy.js";
import { API_KEY, type Stack, startStack } from "./stack.js";

let stack: Stack;
let proxy: FaultProxy;

beforeAll(async () => {
  stack = await startStack({ endpoints: [{ id: "rc" }] });
  stack.startWorker("rc");
  // The proxy only records requests (to see the reconnects' Last-Event-ID); it forwards everything.
  proxy = await startProxy(stack.url);
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await stack?.close();
});

describe("SSE reconnection", () => {
  it("resumes after a server restart mid-stream without duplicates or gaps", async () => {
    const ep = new Endpoint("rc", { apiKey: API_KEY, baseUrl: `${proxy.url}/v2` });
    const chunks = Array.from({ length: 16 }, (_, i) => `c${i + 1}`);
    const job = await ep.run({ mode: "generate", chunks, gapMs: 250 });
    const got: unknown[] = [];
    let restarted = false;
    for await (const c of job.stream({ transport: "sse", timeout: 60_000 })) {
      got.push(c);
      if (got.length === 4 && !restarted) {
        restarted = true;
        await stack.restartServer();
      }
    }
    expect(restarted).toBe(true);
    expect(job.lastStatus?.status).toBe("COMPLETED");

    // The server's own record of the stream (RunPod's draining /stream is untouched by SSE).
    const recorded: unknown[] = [];
    for await (const c of ep.job(job.id).stream({ transport: "poll" })) recorded.push(c);
    expect(recorded.length).toBeGreaterThan(4);
    expect(new Set(got).size).toBe(got.length);
    expect(got).toEqual(recorded);

    // At least one reconnect carried Last-Event-ID, and no reconnect asked to start over.
    const feeds = proxy.seen.filter(
      (s) => s.url.startsWith(`/v2/rc/stream/${job.id}`) && s.headers.accept === "text/event-stream",
    );
    const resumed = feeds.filter((s) => s.headers["last-event-id"] !== undefined);
    expect(feeds.length).toBeGreaterThanOrEqual(2);
    expect(resumed.length).toBeGreaterThanOrEqual(1);
    expect(Number(resumed[0]?.headers["last-event-id"])).toBeGreaterThanOrEqual(4);
  }, 90_000);

  it("backs off while the server is unreachable and resumes when it is back", async () => {
    const ep = new Endpoint("rc", { apiKey: API_KEY, baseUrl: `${proxy.url}/v2` });
    const port = Number(new URL(proxy.url).port);
    const chunks = Array.from({ length: 14 }, (_, i) => i + 1);
    const job = await ep.run({ mode: "generate", chunks, gapMs: 250 });
    const got: unknown[] = [];
    let downAt = 0;
    let upAt = 0;
    for await (const c of job.stream({ transport: "sse", timeout: 60_000 })) {
      got.push(c);
      if (got.length === 3 && downAt === 0) {
        // Every connection is cut and the port refuses connections for ~1.5 s.
        downAt = Date.now();
        await proxy.close();
        setTimeout(() => {
          void startProxy(stack.url, undefined, port).then((p) => {
            proxy = p;
            upAt = Date.now();
          });
        }, 1_500);
      }
    }
    expect(upAt).toBeGreaterThan(downAt);
    expect(got).toEqual(chunks);
    expect(job.lastStatus?.status).toBe("COMPLETED");
  }, 90_000);
});
