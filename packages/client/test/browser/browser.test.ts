/**
 * @gantry/client in a real browser (the SDK promises to run in Node 20 and in browsers). Headless Chromium loads a page
 * from one origin (static-server.ts) that imports the built client as plain ES modules and drives a real Gantry
 * server with a real worker process on another origin, so every call goes through CORS, SSE is read from a
 * browser `fetch` body, and nothing Node-only can hide. page.js records each step on `window.__gantry`; the
 * assertions are here. A missing Chromium or an unbuilt client is a failure that says how to fix it.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HealthStatus, JobStatus } from "../../src/index.js";
import { API_KEY, type Stack, startStack } from "../stack.js";
import { type Chromium, launchChromium, requireChromium } from "./chromium.js";
import { requireBuiltClient, type StaticServer, startStaticServer } from "./static-server.js";

interface StepError {
  name: string;
  message: string;
  status?: number;
  body?: unknown;
  isGantryError: boolean;
  isGantryHttpError: boolean;
  isGantryNetworkError: boolean;
}
type Step<T> = { ok: true; value: T } | { ok: false; error: StepError };
interface PageReport {
  done: boolean;
  fatal?: StepError;
  steps: Record<string, Step<unknown>>;
}
interface ApiResponse {
  method: string;
  url: string;
  status: number;
  headers: Record<string, string>;
}

let stack: Stack | undefined;
let statics: StaticServer | undefined;
let browser: Chromium | undefined;
let report: PageReport;
/** Why the page never ran; every test rethrows it, so a missing browser shows as failures, never as skips. */
let setupError: unknown;
/** Uncaught errors and unhandled rejections in the page: the SDK must never leave one behind. */
const pageErrors: string[] = [];
/** console.error lines, for diagnostics only: Chromium logs every 4xx and CORS refusal there by design. */
const consoleErrors: string[] = [];
const apiResponses: ApiResponse[] = [];

/** Waits for page.js to finish; a script error (e.g. a module that cannot load) ends the wait at once. */
async function runPage(page: Page, url: string): Promise<PageReport> {
  const crashed = new Promise<never>((_, fail) =>
    page.on("pageerror", (e) => fail(new Error(`page error: ${e.message}\n${consoleErrors.join("\n")}`))),
  );
  await page.goto(url);
  const finished = page.waitForFunction(
    () => (globalThis as unknown as { __gantry?: PageReport }).__gantry?.done === true,
    undefined,
    { timeout: 45_000, polling: 100 },
  );
  try {
    await Promise.race([finished, crashed]);
  } catch (e) {
    // Say how far the page got: the steps it finished and what Chromium logged.
    const partial = await page.evaluate(() =>
      JSON.stringify((globalThis as { __gantry?: unknown }).__gantry),
    );
    throw new Error(
      `${(e as Error).message}\npage report so far: ${partial}\nconsole: ${consoleErrors.join("\n")}`,
    );
  }
  return page.evaluate(() => (globalThis as unknown as { __gantry: PageReport }).__gantry);
}

function ready(): void {
  if (setupError !== undefined) throw setupError;
}

/** The value of a step, or a failure that shows the error the page saw. */
function stepValue<T>(name: string): T {
  ready();
  const step = report.steps[name];
  if (!step) throw new Error(`page.js recorded no "${name}" step: ${JSON.stringify(report)}`);
  if (!step.ok) throw new Error(`step "${name}" threw in the browser: ${JSON.stringify(step.error)}`);
  return step.value as T;
}

function stepError(name: string): StepError {
  ready();
  const step = report.steps[name];
  if (!step) throw new Error(`page.js recorded no "${name}" step: ${JSON.stringify(report)}`);
  if (step.ok)
    throw new Error(`step "${name}" succeeded but should have failed: ${JSON.stringify(step.value)}`);
  return step.error;
}

async function setup(): Promise<void> {
  // Checked before anything starts, so the failure is the install hint and nothing else.
  requireChromium();
  requireBuiltClient();
  stack = await startStack({ endpoints: [{ id: "web" }] });
  stack.startWorker("web", ["--concurrency", "4"]);
  statics = await startStaticServer();
  browser = await launchChromium();

  const page = await browser.context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  const apiOrigin = new URL(stack.url).origin;
  page.on("response", (r) => {
    if (new URL(r.url()).origin !== apiOrigin) return;
    apiResponses.push({
      method: r.request().method(),
      url: r.url(),
      status: r.status(),
      headers: r.headers(),
    });
  });

  const query = new URLSearchParams({
    api: `${stack.url}/v2`,
    key: API_KEY,
    endpoint: "web",
    // Same server as the page but another origin (localhost vs 127.0.0.1), and it sends no CORS headers.
    nocors: `${statics.url.replace("127.0.0.1", "localhost")}/v2`,
  });
  report = await runPage(page, `${statics.url}/?${query}`);
  if (report.fatal) {
    const misses = statics.served.filter((s) => s.status !== 200).map((s) => `${s.status} ${s.path}`);
    throw new Error(`page.js failed: ${JSON.stringify(report.fatal)}; not served: ${misses.join(", ")}`);
  }
}

beforeAll(async () => {
  await setup().catch((e: unknown) => {
    setupError = e;
  });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await statics?.close();
  await stack?.close();
});

describe("@gantry/client in headless Chromium, against a real server on another origin", () => {
  it("loads the built client and eventsource-parser as browser ES modules, with no Node globals", () => {
    const env = stepValue<Record<string, string>>("environment");
    expect(env.userAgent).toMatch(/Chrome\//);
    expect(env.origin).toBe(statics?.url);
    expect(env.origin).not.toBe(new URL(stack?.url ?? "").origin);
    expect([env.processType, env.requireType, env.bufferType]).toEqual([
      "undefined",
      "undefined",
      "undefined",
    ]);
    const loaded = statics?.served.filter((s) => s.status === 200).map((s) => s.path) ?? [];
    expect(loaded).toContain("/client/index.js");
    expect(loaded).toContain("/client/sse-feed.js");
    expect(loaded).toContain("/vendor/eventsource-parser/index.js");
    expect(loaded).toContain("/vendor/gantry-protocol/index.js");
    // Every module the client imports was found (the favicon and the no-CORS step's calls are expected misses).
    const misses = statics?.served.filter((s) => s.status !== 200 && !/^\/(favicon\.ico|v2\/)/.test(s.path));
    expect(misses).toEqual([]);
  });

  it("run() then stream() yields every chunk in order over server-sent events, ending on COMPLETED", () => {
    const s = stepValue<{
      id: string;
      ack: string;
      chunks: unknown[];
      final: string;
      serverVersion?: string;
    }>("stream");
    expect(s.ack).toBe("IN_QUEUE");
    expect(s.chunks).toEqual(["a", { b: 2 }, [3], null, 5]);
    expect(s.final).toBe("COMPLETED");
    // X-Gantry-Version is readable cross-origin only because the server exposes it; `auto` relies on it.
    expect(s.serverVersion).toMatch(/^\d+\.\d+\.\d+/);
    const sse = apiResponses.filter(
      (r) => r.url.includes(`/stream/${s.id}`) && r.headers["content-type"]?.includes("text/event-stream"),
    );
    expect(sse.length).toBeGreaterThan(0);
  });

  it("progress arrives through stream({ onProgress }) over SSE and through progressUpdates() by polling", () => {
    const p = stepValue<{
      sseOutput: unknown[];
      sseProgress: unknown[];
      polledUpdates: unknown[];
      polledFinal: string;
    }>("progress");
    expect(p.sseOutput).toEqual([{ done: true }]);
    expect(p.sseProgress).toEqual([{ progress: { percent: 50 }, message: "over sse" }]);
    expect(p.polledUpdates).toEqual([{ progress: { percent: 50 }, message: "by polling" }]);
    expect(p.polledFinal).toBe("COMPLETED");
  });

  it("runSync() returns the final job", () => {
    const r = stepValue<JobStatus>("runSync");
    expect(r).toMatchObject({ status: "COMPLETED", output: { echo: "sync in a browser", worker: "web-w1" } });
    expect(r.id).toMatch(/^sync-/);
  });

  it("an idempotency key the server would refuse is the client's own TypeError, from @gantry/protocol's rule", () => {
    ready();
    const step = report.steps["bad-key"];
    expect(step?.ok).toBe(false);
    if (step?.ok !== false) return;
    expect(step.error.name).toBe("TypeError");
    expect(step.error.message).toMatch(
      /^invalid idempotencyKey "a b": Idempotency-Key is invalid;.* without spaces$/,
    );
  });

  it("health() returns the endpoint's counters", () => {
    const h = stepValue<HealthStatus>("health");
    expect(h.jobs.completed).toBeGreaterThanOrEqual(4);
    expect(h.jobs.inQueue).toBe(0);
    expect(h.workers.idle + h.workers.running + (h.workers.ready ?? 0)).toBeGreaterThanOrEqual(1);
  });

  it("a wrong API key is a GantryHttpError with status 401 and the server's body", () => {
    const e = stepError("wrongKey");
    expect(e).toMatchObject({
      name: "GantryHttpError",
      status: 401,
      isGantryHttpError: true,
      isGantryError: true,
    });
    expect(e.body).toBeDefined();
  });

  it("accepts the page's own window.fetch as options.fetch", () => {
    expect(stepValue<string>("windowFetch")).toBe("COMPLETED");
  });

  it("a server without CORS headers is a GantryNetworkError, not an unhandled TypeError", () => {
    const e = stepError("noCors");
    // The request reached that server (its preflight), so the refusal was CORS, not a closed port.
    expect(statics?.served.some((s) => s.path === "/v2/web/health")).toBe(true);
    expect(e).toMatchObject({ name: "GantryNetworkError", isGantryNetworkError: true, isGantryError: true });
  });

  it("went through CORS: preflights were answered and every API response allowed the page's origin", async () => {
    ready();
    expect(apiResponses.length).toBeGreaterThan(5);
    for (const r of apiResponses) expect(r.headers["access-control-allow-origin"], r.url).toBe("*");
    // `authorization` is not a CORS-safelisted header, so the browser must have asked first.
    const metrics = await stack?.call<string>("GET", "/metrics");
    const preflights = String(metrics?.body)
      .split("\n")
      .filter((l) => l.startsWith("gantry_http_requests_total{") && l.includes('method="OPTIONS"'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    expect(preflights).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });
});
