/** Server-level hardening: secrets stay out of the server's own logs; `/metrics` can require an API key. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { request } from "undici";
import { afterEach, beforeEach, expect, test } from "vitest";
import { captureLines } from "../test/log-capture.js";
import { type GantryServer, startServer } from "./server.js";

let dir: string;
let server: GantryServer | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gantry-hardening-"));
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function get(url: string, auth?: string) {
  const res = await request(url, { headers: auth ? { authorization: auth } : {} });
  return { status: res.statusCode, text: await res.body.text() };
}

test("only the first-start notice shows the generated key; later lines are scrubbed of every secret", async () => {
  const { lines, stream } = captureLines();
  server = await startServer({
    config: { port: 0, dataDir: dir, logLevel: "info", endpoints: [{ id: "ep1" }] },
    env: {},
    logDestination: stream,
  });
  const stored = JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"));
  const notice = lines.find((l) => l.includes("generated an API key"));
  expect(notice).toContain(stored.apiKey);
  const before = lines.length;
  // A worker whose failure message quotes its environment, and a client key pasted into a reason.
  const reason = encodeURIComponent(`RUNPOD_AI_API_KEY=${stored.workerSecret} key=${stored.apiKey}`);
  const ping = await get(
    `${server.url}/v2/ep1/ping/w1?status=unhealthy&reason=${reason}`,
    stored.workerSecret,
  );
  expect(ping.status).toBe(200);
  await server.close();
  server = undefined;
  const later = lines.slice(before).join("");
  expect(later).toContain("worker reported unhealthy");
  expect(later).toContain("[redacted]");
  expect(later).not.toContain(stored.workerSecret);
  expect(later).not.toContain(stored.apiKey);
});

test("configured keys, worker secret and webhook secret never reach the log", async () => {
  const { lines, stream } = captureLines();
  const secrets = ["client-key-abc123", "worker-secret-abc123", "webhook-secret-abc123"];
  server = await startServer({
    config: {
      port: 0,
      dataDir: dir,
      store: "memory",
      logLevel: "debug",
      auth: { apiKeys: [secrets[0]], workerSecret: secrets[1] },
      webhook: { secret: secrets[2] },
      endpoints: [{ id: "ep1" }],
    },
    env: {},
    logDestination: stream,
  });
  await get(`${server.url}/v2/ep1/ping/w1?status=unhealthy&reason=${secrets.join("+")}`, secrets[1]);
  await server.close();
  server = undefined;
  const text = lines.join("");
  expect(text).toContain("worker reported unhealthy");
  for (const s of secrets) expect(text).not.toContain(s);
});

test("metrics.auth: /metrics needs an API key; without it /metrics stays open", async () => {
  const config = {
    port: 0,
    dataDir: dir,
    store: "memory",
    auth: { apiKeys: ["client-key-1"], workerSecret: "worker-secret-1" },
    endpoints: [{ id: "ep1" }],
  };
  const logger = pino({ level: "silent" });
  server = await startServer({ config: { ...config, metrics: { auth: true } }, env: {}, logger });
  const denied = await get(`${server.url}/metrics`);
  expect(denied.status).toBe(401);
  expect(JSON.parse(denied.text)).toEqual({ error: "Unauthorized" });
  expect((await get(`${server.url}/metrics`, "worker-secret-1")).status).toBe(401);
  const allowed = await get(`${server.url}/metrics`, "Bearer client-key-1");
  expect(allowed.status).toBe(200);
  expect(allowed.text).toContain("gantry_queue_depth");
  expect((await get(`${server.url}/healthz`)).status).toBe(200);
  await server.close();

  server = await startServer({ config, env: {}, logger });
  expect((await get(`${server.url}/metrics`)).status).toBe(200);
});
