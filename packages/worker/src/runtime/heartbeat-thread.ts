/**
 * The heartbeat thread's entry (a `worker_threads` module started by heartbeat.ts). Its own event loop keeps
 * pings going while a synchronous handler blocks the main thread; it reads the held job ids from shared memory,
 * so a ping never waits for a message the blocked main thread cannot send.
 */
import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import type { HeartbeatCommand, HeartbeatReport, HeartbeatThreadData } from "./heartbeat-messages.js";
import { readJobIds } from "./job-id-mirror.js";
import { withQuery } from "./urls.js";

const port = parentPort;
if (port === null) throw new Error("heartbeat-thread is a worker_threads entry, not a module to import");
const data = workerData as HeartbeatThreadData;
const { intervalMs } = data;

// https (and its TLS stack) only for an https ping URL.
const transport = data.url.startsWith("https:") ? (await import("node:https")).default : http;
// One kept-alive socket suffices: pings never overlap, so each reuses the last one.
const agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });
// 1 while the main thread waits idle in a job-take long-poll on Gantry, which counts that poll as a sign of life.
const idlePolling = new Int32Array(data.idlePolling);
let stopped = false;
// The job ids the last ping sent (null before the first): the platform's view of what this worker holds.
let lastSent: string | null = null;
let wake: (() => void) | null = null;

function report(message: HeartbeatReport): void {
  port?.postMessage(message);
}

function pingUrl(jobIds: string): string {
  // job_id is omitted, not sent empty, when the worker holds no job.
  const params: [string, string][] = jobIds === "" ? [] : [["job_id", jobIds]];
  params.push(["runpod_version", data.version]);
  return withQuery(data.url, params);
}

/** Resolves with the status code once the body is drained (which frees the socket for the next ping). */
function get(url: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (settle: () => void): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      settle();
    };
    const request = transport.request(url, { method: "GET", headers, agent }, (response) => {
      response.on("error", (error) => finish(() => reject(error)));
      response.on("end", () => finish(() => resolve(response.statusCode ?? 0)));
      response.resume();
    });
    const timer = setTimeout(() => {
      finish(() => reject(new Error(`ping timed out after ${timeoutMs} ms`)));
      request.destroy();
    }, timeoutMs);
    request.on("error", (error) => finish(() => reject(error)));
    request.end();
  });
}

/** Resolves whether the platform accepted the ping. */
async function pingOnce(jobIds: string): Promise<boolean> {
  try {
    const status = await get(
      pingUrl(jobIds),
      { authorization: data.apiKey, "user-agent": data.userAgent },
      intervalMs * 2,
    );
    if (status >= 400) {
      report({ type: "log", level: "warn", message: `Ping answered HTTP ${status}` });
      return false;
    }
    report({ type: "pinged" });
    return true;
  } catch (error) {
    const message = error instanceof Error && error.message ? error.message : String(error);
    report({ type: "log", level: "error", message: `Ping Request Error: ${message}` });
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      wake = null;
      resolve();
    }, ms);
    wake = () => {
      clearTimeout(timer);
      wake = null;
      resolve();
    };
  });
}

port.on("message", (message: HeartbeatCommand | undefined) => {
  if (message?.type === "stop") {
    stopped = true;
    wake?.();
  }
});

/**
 * Left out only when it would repeat an idle ping: the first one goes (it announces the worker and its version),
 * and so does the first after the worker dropped a job without a result (a stopped job), which tells the
 * platform's supervisor the job is gone.
 */
function quiet(jobIds: string): boolean {
  return lastSent === "" && jobIds === "" && Atomics.load(idlePolling, 0) === 1;
}

while (!stopped) {
  const started = Date.now();
  const jobIds = readJobIds(data.jobIds);
  if (quiet(jobIds)) report({ type: "skipped" });
  else {
    // A ping the platform did not take leaves its view unknown: the next one goes too.
    lastSent = (await pingOnce(jobIds)) ? jobIds : null;
  }
  if (stopped) break;
  await sleep(Math.max(0, intervalMs - (Date.now() - started)));
}
agent.destroy();
port.close();
