/**
 * Source of the heartbeat thread, run with `new Worker(source, { eval: true })`.
 * Plain CommonJS text rather than a module file so the same code runs from `dist/` and from the
 * TypeScript sources under tsx or vitest, where a `.js` worker file next to this one does not exist.
 * Its own event loop keeps pings going while a synchronous handler blocks the main thread (§3.8).
 */
export const HEARTBEAT_THREAD_SOURCE = `
"use strict";
const { parentPort, workerData } = require("node:worker_threads");

const http = require("node:http");

// https (and its TLS stack) only for an https ping URL.
const transport = workerData.url.startsWith("https:") ? require("node:https") : http;
// One kept-alive socket suffices: pings never overlap, so each reuses the last one.
const agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });
const intervalMs = workerData.intervalMs;
const header = new Int32Array(workerData.jobIds, 0, 2);
const data = new Uint8Array(workerData.jobIds, 8);
const decoder = new TextDecoder();
// 1 while the main thread waits idle in a job-take long-poll on Gantry, which counts that poll as a sign of life.
const idlePolling = new Int32Array(workerData.idlePolling);
let stopped = false;
// The job ids the last ping sent (null before the first): the platform's view of what this worker holds.
let lastSent = null;
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

function pingUrl(jobIds) {
  const params = [];
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

// Resolves with the status code once the body is drained (which frees the socket for the next ping).
function get(url, headers, timeoutMs) {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn, value) => { if (!done) { done = true; clearTimeout(timer); fn(value); } };
    const request = transport.request(url, { method: "GET", headers, agent }, (response) => {
      response.on("error", (error) => finish(reject, error));
      response.on("end", () => finish(resolve, response.statusCode));
      response.resume();
    });
    const timer = setTimeout(() => {
      finish(reject, new Error("ping timed out after " + timeoutMs + " ms"));
      request.destroy();
    }, timeoutMs);
    request.on("error", (error) => finish(reject, error));
    request.end();
  });
}

// Resolves whether the platform accepted the ping.
async function pingOnce(jobIds) {
  try {
    const status = await get(
      pingUrl(jobIds),
      { authorization: workerData.apiKey, "user-agent": workerData.userAgent },
      intervalMs * 2,
    );
    if (status >= 400) {
      report("warn", "Ping answered HTTP " + status);
      return false;
    }
    parentPort.postMessage({ type: "pinged" });
    return true;
  } catch (error) {
    report("error", "Ping Request Error: " + (error && error.message ? error.message : String(error)));
    return false;
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

// Left out only when it would repeat an idle ping: the first one goes (it announces the worker and its version),
// and so does the first after the worker dropped a job without a result (a stopped job), which tells the
// platform's supervisor the job is gone.
function quiet(jobIds) {
  return lastSent === "" && jobIds === "" && Atomics.load(idlePolling, 0) === 1;
}

(async () => {
  while (!stopped) {
    const started = Date.now();
    const jobIds = currentJobIds();
    if (quiet(jobIds)) parentPort.postMessage({ type: "skipped" });
    else {
      // A ping the platform did not take leaves its view unknown: the next one goes too.
      lastSent = (await pingOnce(jobIds)) ? jobIds : null;
    }
    if (stopped) break;
    await sleep(Math.max(0, intervalMs - (Date.now() - started)));
  }
  agent.destroy();
  parentPort.close();
})();
`;
