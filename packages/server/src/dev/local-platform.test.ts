import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalPlatform, startLocalPlatform } from "./local-platform.js";

const silent = pino({ level: "silent" });
let platform: LocalPlatform | undefined;
let dir: string | undefined;

afterEach(async () => {
  await platform?.close();
  platform = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function call(url: string, body?: unknown, auth?: string) {
  const res = await request(url, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(auth ? { authorization: `Bearer ${auth}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, text, json: text.startsWith("{") ? JSON.parse(text) : undefined };
}

describe("startLocalPlatform: startServer with local defaults", () => {
  it("on loopback: auth off, in memory, routes with and without the prefix, temp dir removed on close", async () => {
    platform = await startLocalPlatform({ endpoints: [{ id: "ep" }], defaultEndpoint: "ep", logger: silent });
    expect(platform.apiKey).toBeUndefined();
    expect(platform.config.auth.disabled).toBe(true);
    expect(platform.config.store).toBe("memory");
    expect(platform.publicUrl).toBe(platform.url);
    const workDir = platform.workDir;
    expect(existsSync(workDir)).toBe(true);
    // Secrets are per run: nothing is written for the server to find next time.
    expect(existsSync(join(workDir, "secrets.json"))).toBe(false);

    const bare = await call(`${platform.url}/run`, { input: { n: 1 } });
    expect(bare.status).toBe(200);
    const prefixed = await call(`${platform.url}/v2/ep/status/${bare.json.id}`);
    expect(prefixed.json).toEqual({ id: bare.json.id, status: "IN_QUEUE" });
    expect((await call(`${platform.url}/status/${bare.json.id}`)).json).toEqual(prefixed.json);
    // The production surface comes with it: metrics and the admin API.
    expect((await call(`${platform.url}/metrics`)).text).toContain("gantry_http_requests_total");
    expect((await call(`${platform.url}/admin/v1/endpoints`)).status).toBe(200);
    // Only public routes are rewritten; worker routes need their prefix.
    expect((await call(`${platform.url}/job-take/w1`)).status).toBe(404);

    await platform.close();
    expect(existsSync(workDir)).toBe(false);
    platform = undefined;
  });

  it("off loopback: generates an API key and requires it; workers dial loopback", async () => {
    platform = await startLocalPlatform({ host: "0.0.0.0", endpoints: [{ id: "ep" }], logger: silent });
    expect(platform.apiKey).toMatch(/^gantry_/);
    expect(platform.publicUrl).toBe(`http://127.0.0.1:${platform.port}`);
    const base = `http://127.0.0.1:${platform.port}/v2/ep`;
    expect((await call(`${base}/run`, { input: 1 })).status).toBe(401);
    expect((await call(`${base}/run`, { input: 1 }, platform.apiKey)).status).toBe(200);
  });

  it("with a data directory: SQLite in it, kept after close", async () => {
    dir = mkdtempSync(join(tmpdir(), "gantry-local-test-"));
    platform = await startLocalPlatform({ dataDir: dir, endpoints: [{ id: "ep" }], logger: silent });
    expect(platform.config.store).toBe("sqlite");
    expect(existsSync(join(dir, "gantry.db"))).toBe(true);
    await platform.close();
    platform = undefined;
    expect(existsSync(join(dir, "gantry.db"))).toBe(true);
  });

  it("supervises worker commands only when asked", async () => {
    const endpoints = [{ id: "ep", worker: { command: [process.execPath, "-e", "0"] } }];
    platform = await startLocalPlatform({ endpoints, logger: silent });
    expect(platform.supervision).toBeUndefined();
    expect(platform.endpoints[0]?.worker).toBeUndefined();
    await platform.close();
    platform = await startLocalPlatform({ endpoints, supervise: true, logger: silent });
    expect(platform.supervision).toBeDefined();
    expect(platform.platform).toBe(platform.supervision?.platform);
  });

  it("rejects bad options with clear errors", async () => {
    await expect(
      startLocalPlatform({ endpoints: [{ id: "ep" }], defaultEndpoint: "other", logger: silent }),
    ).rejects.toThrow(/default endpoint other is not one of the endpoints/);
    await expect(startLocalPlatform({ endpoints: [{ id: "a/b" }], logger: silent })).rejects.toThrow(
      /endpoints\[0\]\.id/,
    );
    await expect(startLocalPlatform({ port: 70_000, endpoints: [], logger: silent })).rejects.toThrow(/port/);
  });
});
