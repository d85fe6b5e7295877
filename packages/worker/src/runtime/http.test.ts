import { getEventListeners } from "node:events";
import type { Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Loopback, listenLoopback } from "./__tests__/loopback.js";
import { ProtocolHttp } from "./http.js";

let _server: Server;
let loop: Loopback;
let url: string;
let http: ProtocolHttp;
let seen: { headers: Record<string, unknown>; body: string }[];

beforeEach(async () => {
  seen = [];
  loop = await listenLoopback(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ headers: req.headers, body });
    if (req.url?.startsWith("/hang")) return; // never answers
    res.writeHead(201, { "content-type": "application/json; charset=utf-8" });
    res.end('{"ok":true}');
  });
  _server = loop.server;
  url = loop.url;
  http = new ProtocolHttp("raw-key");
});

afterEach(async () => {
  await http.close();
  await loop.close();
});

describe("ProtocolHttp", () => {
  it("sends the raw key, the SDK user agent and JSON bodies, and reads the reply", async () => {
    const reply = await http.send(`${url}/x`, { method: "POST", body: '{"a":1}', timeoutMs: 5000 });
    expect(reply).toEqual({
      status: 201,
      contentType: "application/json; charset=utf-8",
      text: '{"ok":true}',
    });
    expect(seen[0]?.headers.authorization).toBe("raw-key");
    expect(seen[0]?.headers["content-type"]).toBe("application/json");
    expect(String(seen[0]?.headers["user-agent"])).toMatch(/^Gantry-Worker-SDK\//);
    expect(seen[0]?.body).toBe('{"a":1}');
  });

  it("declares the body's length in bytes, not characters, so a non-ASCII result arrives whole", async () => {
    const body = JSON.stringify({ output: "naïve – 日本語 🚀" });
    await http.send(`${url}/x`, { method: "POST", body, timeoutMs: 5000 });
    expect(seen[0]?.headers["content-length"]).toBe(String(Buffer.byteLength(body)));
    expect(seen[0]?.body).toBe(body);
  });

  it("rejects with a TimeoutError when the bound passes", async () => {
    await expect(http.send(`${url}/hang`, { timeoutMs: 200 })).rejects.toMatchObject({
      name: "TimeoutError",
    });
  });

  it("rejects when the caller's signal aborts, and leaves no listener on that signal", async () => {
    const controller = new AbortController();
    await http.send(`${url}/x`, { timeoutMs: 5000, signal: controller.signal });
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    const pending = http.send(`${url}/hang`, { timeoutMs: 5000, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeDefined();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});
