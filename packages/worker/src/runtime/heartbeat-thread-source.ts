/**
 * Source of the heartbeat thread, run with `new Worker(source, { eval: true })`.
 * Plain CommonJS text rather than a module file so the same code runs from `dist/` and from the
 * TypeScript sources under tsx or vitest, where a `.js` worker file next to this one does not exist.
 * Its own event loop keeps pings going while a synchronous handler blocks the main thread (§3.8).
 */
export const HEARTBEAT_THREAD_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");

// The same two parts of undici as the main thread (undici-loader.ts), or the whole package if they are not there.
function loadUndici(paths) {
  try {
    const Agent = require(paths.agent);
    const requestFn = require(paths.request);
    if (typeof Agent === "function" && typeof requestFn === "function") {
      return {
        Agent,
        request(url, options) {
          const u = new URL(url);
          const { dispatcher, ...rest } = options;
          return requestFn.call(dispatcher, { ...rest, origin: u.origin, path: u.pathname + u.search });
        },
      };
    }
  } catch {}
  return require(paths.full);
}
const { Agent, request } = loadUndici(workerData.undici);

const agent = new Agent({ keepAliveTimeout: 10000 });
const intervalMs = workerData.intervalMs;
const header = new Int32Array(workerData.jobIds, 0, 2);
const data = new Uint8Array(workerData.jobIds, 8);
const decoder = new TextDecoder();
let stopped = false;
let wake = null;

function quotePlus(value) {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (ch) => "%" + ch.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
}

// Seqlock read of the shared id list (see job-id-mirror.ts): retry while a write is in progress.
function currentJobIds() {
  for (;;) {
    const before = Atomics.load(header, 0);
    if (before % 2 === 1) continue;
    const copy = data.slice(0, Atomics.load(header, 1));
    if (Atomics.load(header, 0) === before) return decoder.decode(copy);
  }
}

function pingUrl() {
  const params = [];
  const jobIds = currentJobIds();
  // job_id is omitted, not sent empty, when the worker holds no job.
  if (jobIds !== "") params.push("job_id=" + quotePlus(jobIds));
  params.push("runpod_version=" + quotePlus(workerData.version));
  const base = workerData.url;
  if (!base.includes("?")) return base + "?" + params.join("&");
  const sep = base.endsWith("?") || base.endsWith("&") ? "" : "&";
  return base + sep + params.join("&");
}

function report(level, message) {
  parentPort.postMessage({ type: "log", level, message });
}

async function pingOnce() {
  try {
    const response = await request(pingUrl(), {
      method: "GET",
      headers: { authorization: workerData.apiKey, "user-agent": workerData.userAgent },
      dispatcher: agent,
      signal: AbortSignal.timeout(intervalMs * 2),
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    await response.body.dump();
    if (response.statusCode >= 400) report("warn", "Ping answered HTTP " + response.statusCode);
    else parentPort.postMessage({ type: "pinged" });
  } catch (error) {
    report("error", "Ping Request Error: " + (error && error.message ? error.message : String(error)));
  }
}

function sleep(ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { wake = null; resolve(); }, ms);
    wake = () => { clearTimeout(timer); wake = null; resolve(); };
  });
}

parentPort.on("message", (message) => {
  if (message && message.type === "stop") {
    stopped = true;
    if (wake) wake();
  }
});

(async () => {
  while (!stopped) {
    const started = Date.now();
    await pingOnce();
    if (stopped) break;
    await sleep(Math.max(0, intervalMs - (Date.now() - started)));
  }
  await agent.close().catch(() => {});
  parentPort.close();
})();
`;
