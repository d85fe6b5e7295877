/**
 * Retries, Retry-After and idempotency, with a fault-injecting proxy between the client and a real server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Endpoint, GantryHttpError, GantryNetworkError, GantryTimeoutError } from "../src/index.js";
import { type Decision, type FaultProxy, type Seen, startProxy } from "./proxy.js";
import { API_KEY, type Stack, startStack } from "./stack.js";

let stack: Stack;
let proxy: FaultProxy | undefined;

beforeAll(async () => {
  stack = await startStack({ endpoints: [{ id: "rt" }, { id: "quiet" }] });
  stack.startWorker("rt");
}, 60_000);

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

afterAll(async () => {
  await stack?.close();
});

const via = async (endpointId: string, plan: (req: Seen, n: number) => Decision, retries = 4) => {
  proxy = await startProxy(stack.url, plan);
  return new Endpoint(endpointId, {
    apiKey: API_KEY,
    baseUrl: `${proxy.url}/v2`,
    retry: { retries, minDelayMs: 50, maxDelayMs: 400 },
  });
};
const pass: Decision = { kind: "pass" };
const unavailable = (headers?: Record<string, string>): Decision => ({
  kind: "answer",
  status: 503,
  body: { error: "try later" },
  ...(headers ? { headers } : {}),
});
const gaps = (seen: Seen[]) => seen.slice(1).map((s, i) => s.at - (seen[i] as Seen).at);

describe("retries", () => {
  it("503 with Retry-After (seconds) is retried after the announced delay", async () => {
    const ep = await via("rt", (_r, n) => (n <= 2 ? unavailable({ "retry-after": "1" }) : pass));
    const h = await ep.health();
    expect(h.jobs).toBeTypeOf("object");
    expect(proxy?.seen.map((s) => s.url)).toEqual(["/v2/rt/health", "/v2/rt/health", "/v2/rt/health"]);
    for (const gap of gaps(proxy?.seen ?? [])) expect(gap).toBeGreaterThanOrEqual(900);
  });

  it("429 with Retry-After as an HTTP date is honoured", async () => {
    const ep = await via("rt", (_r, n) =>
      n === 1
        ? {
            kind: "answer",
            status: 429,
            headers: { "retry-after": new Date(Date.now() + 2_000).toUTCString() },
            body: { error: "slow down" },
          }
        : pass,
    );
    await ep.health();
    expect(proxy?.seen).toHaveLength(2);
    // HTTP dates have one-second resolution: the pause is between ~1 and 2 s.
    expect(gaps(proxy?.seen ?? [])[0]).toBeGreaterThanOrEqual(900);
  });

  it("gives up after `retries` extra attempts with the last GantryHttpError", async () => {
    const ep = await via("rt", () => unavailable(), 2);
    const err = await ep.health().catch((e) => e);
    expect(err).toBeInstanceOf(GantryHttpError);
    expect((err as GantryHttpError).status).toBe(503);
    expect((err as GantryHttpError).body).toEqual({ error: "try later" });
    expect(proxy?.seen).toHaveLength(3);
  });

  it("cancel and purge-queue are not retried; 400/401/404 are never retried", async () => {
    const ep = await via("rt", (r) =>
      r.url.includes("/status/")
        ? { kind: "answer", status: 404, body: { error: "job x not found" } }
        : r.url.includes("/health")
          ? { kind: "answer", status: 401, body: { error: "Unauthorized" } }
          : unavailable(),
    );
    expect(((await ep.cancel("abc").catch((e) => e)) as GantryHttpError).status).toBe(503);
    expect(((await ep.purgeQueue().catch((e) => e)) as GantryHttpError).status).toBe(503);
    expect(((await ep.status("abc").catch((e) => e)) as GantryHttpError).status).toBe(404);
    expect(((await ep.health().catch((e) => e)) as GantryHttpError).status).toBe(401);
    expect(proxy?.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      "POST /v2/rt/cancel/abc",
      "POST /v2/rt/purge-queue",
      "GET /v2/rt/status/abc",
      "GET /v2/rt/health",
    ]);
  });

  it("a connection cut before the answer is a GantryNetworkError, retried for idempotent calls", async () => {
    const ep = await via("rt", (_r, n) => (n === 1 ? { kind: "lose" } : pass));
    await expect(ep.health()).resolves.toBeTypeOf("object");
    expect(proxy?.seen).toHaveLength(2);

    const noRetry = await via("rt", () => ({ kind: "lose" }), 0);
    const err = await noRetry.health().catch((e) => e);
    expect(err).toBeInstanceOf(GantryNetworkError);
  });
});

describe("request timeouts", () => {
  it("a request without an answer within timeoutMs is a GantryTimeoutError, retried when idempotent", async () => {
    proxy = await startProxy(stack.url, (_r, n) => (n <= 2 ? { kind: "hang" } : { kind: "pass" }));
    const base = { apiKey: API_KEY, baseUrl: `${proxy.url}/v2`, timeoutMs: 1_000 };
    const once = new Endpoint("rt", { ...base, retry: { retries: 0 } });
    const err = await once.health().catch((e) => e);
    expect(err).toBeInstanceOf(GantryTimeoutError);
    expect((err as GantryTimeoutError).jobId).toBeUndefined();
    const retried = new Endpoint("rt", { ...base, retry: { retries: 2, minDelayMs: 10, maxDelayMs: 50 } });
    await expect(retried.health()).resolves.toBeTypeOf("object");
    expect(proxy.seen).toHaveLength(3);
  });
});

describe("idempotency and never losing a job", () => {
  it("a run whose answer was lost is retried with the same Idempotency-Key: one job on the server", async () => {
    const before = (await new Endpoint("quiet", { apiKey: API_KEY, baseUrl: `${stack.url}/v2` }).health())
      .jobs.inQueue;
    const ep = await via("quiet", (r, n) => (n === 1 && r.url === "/v2/quiet/run" ? { kind: "lose" } : pass));
    const job = await ep.run({ once: true });
    const [first, second] = proxy?.seen ?? [];
    expect(first?.headers["idempotency-key"]).toBeTruthy();
    expect(second?.headers["idempotency-key"]).toBe(first?.headers["idempotency-key"]);
    // The lost answer named the same job the retry got back.
    expect(JSON.parse(proxy?.lost[0]?.body ?? "{}")).toMatchObject({ id: job.id, status: "IN_QUEUE" });
    expect((await ep.health()).jobs.inQueue).toBe(before + 1);
    await ep.purgeQueue();
  });

  it("runSync keeps waiting with status-sync when /runsync answers before the job ends", async () => {
    // The proxy shortens the server's hold so /runsync answers IN_PROGRESS.
    const ep = await via("rt", (r) =>
      r.url.startsWith("/v2/rt/runsync") ? { kind: "pass", path: "/v2/rt/runsync?wait=1000" } : pass,
    );
    const final = await ep.runSync({ mode: "sleep", ms: 2_500, value: "kept" }, { timeout: 60_000 });
    expect(final).toMatchObject({ status: "COMPLETED", output: { value: "kept" } });
    const urls = proxy?.seen.map((s) => s.url) ?? [];
    expect(urls[0]).toBe("/v2/rt/runsync?wait=60000");
    expect(urls.slice(1).every((u) => u.startsWith(`/v2/rt/status-sync/${final.id}?wait=`))).toBe(true);
    expect(urls.length).toBeGreaterThanOrEqual(2);
  });
});
