/** What the heartbeat's two threads exchange (types only: the thread entry loads nothing it does not use). */

/** The thread's `workerData`. */
export interface HeartbeatThreadData {
  /** Ping URL with the worker id substituted. */
  url: string;
  apiKey: string;
  intervalMs: number;
  /** The held job ids, shared through memory (job-id-mirror.ts). */
  jobIds: SharedArrayBuffer;
  /** One Int32: 1 while the worker waits idle in a job-take long-poll on Gantry. */
  idlePolling: SharedArrayBuffer;
  /** SDK version, sent as `runpod_version`. */
  version: string;
  userAgent: string;
}

/** Thread → main thread. */
export type HeartbeatReport =
  /** The platform accepted a ping. */
  | { type: "pinged" }
  /** A ping was left out: the worker waited idle in a job-take on Gantry. */
  | { type: "skipped" }
  | { type: "log"; level: "warn" | "error"; message: string };

/** Main thread → thread. */
export type HeartbeatCommand = { type: "stop" };
