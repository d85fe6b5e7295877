// The browser side of browser.test.ts: loads the built @gantry/client as plain ES modules (no bundler) and
// drives a real Gantry server on another origin. Each step records its value or its error on
// `window.__gantry`, so one broken step does not hide the others; the test asserts them.
import { Endpoint, GantryError, GantryHttpError, GantryNetworkError } from "/client/index.js";

const params = new URL(location.href).searchParams;
const baseUrl = params.get("api") ?? "";
const apiKey = params.get("key") ?? "";
const endpointId = params.get("endpoint") ?? "";
const noCorsUrl = params.get("nocors") ?? "";

const report = { done: false, steps: {} };
window.__gantry = report;

const collect = async (iterable) => {
  const out = [];
  for await (const v of iterable) out.push(v);
  return out;
};

const describeError = (e) => ({
  name: e?.name ?? typeof e,
  message: String(e?.message ?? e),
  status: e?.status,
  body: e?.body,
  isGantryError: e instanceof GantryError,
  isGantryHttpError: e instanceof GantryHttpError,
  isGantryNetworkError: e instanceof GantryNetworkError,
});

const step = async (name, fn) => {
  try {
    report.steps[name] = { ok: true, value: await fn() };
  } catch (e) {
    report.steps[name] = { ok: false, error: describeError(e) };
  }
};

async function main() {
  const ep = new Endpoint(endpointId, { apiKey, baseUrl });

  await step("environment", () => ({
    origin: location.origin,
    userAgent: navigator.userAgent,
    processType: typeof globalThis.process,
    requireType: typeof globalThis.require,
    bufferType: typeof globalThis.Buffer,
  }));

  await step("stream", async () => {
    const chunks = ["a", { b: 2 }, [3], null, 5];
    const job = await ep.run({ mode: "generate", chunks, gapMs: 80 });
    const ack = job.lastStatus?.status;
    const got = await collect(job.stream({ timeout: 20_000 }));
    return { id: job.id, ack, chunks: got, final: job.lastStatus?.status, serverVersion: ep.serverVersion };
  });

  await step("progress", async () => {
    const [viaSse, polled] = await Promise.all([
      ep.run({ mode: "progress", message: "over sse", ms: 1_500 }),
      ep.run({ mode: "progress", message: "by polling", ms: 1_500 }),
    ]);
    const seen = [];
    const [sseOutput, polledUpdates] = await Promise.all([
      collect(viaSse.stream({ transport: "sse", onProgress: (p) => seen.push(p), timeout: 20_000 })),
      collect(polled.progressUpdates({ transport: "poll", intervalMs: 200, timeout: 20_000 })),
    ]);
    return { sseOutput, sseProgress: seen, polledUpdates, polledFinal: (await polled.status()).status };
  });

  await step("runSync", () => ep.runSync({ value: "sync in a browser" }, { timeout: 20_000 }));

  await step("bad-key", () => ep.run({ mode: "echo" }, { idempotencyKey: "a b" }));

  await step("health", () => ep.health());

  await step("wrongKey", () => new Endpoint(endpointId, { apiKey: "not-the-key", baseUrl }).health());

  // A user handing over the page's own fetch: it must not be called with the wrong `this`.
  await step("windowFetch", async () => {
    const own = new Endpoint(endpointId, { apiKey, baseUrl, fetch: window.fetch });
    const id = report.steps.stream?.value?.id;
    return id ? (await own.status(id)).status : (await own.health()).jobs.completed;
  });

  // A server that sends no CORS headers: the browser blocks the answer; the SDK must say so as a typed error.
  await step("noCors", () =>
    new Endpoint(endpointId, { apiKey, baseUrl: noCorsUrl, retry: { retries: 0 } }).health(),
  );
}

main()
  .catch((e) => {
    report.fatal = describeError(e);
  })
  .finally(() => {
    report.done = true;
  });
