import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Logger } from "../logger.js";
import { version } from "../version.js";
import type { HeartbeatCommand, HeartbeatReport, HeartbeatThreadData } from "./heartbeat-messages.js";
import { USER_AGENT } from "./http.js";
import { createMirrorBuffer, writeJobIds } from "./job-id-mirror.js";

export interface HeartbeatOptions {
  /** Ping URL with the worker id substituted. */
  url: string;
  apiKey: string;
  intervalMs: number;
  logger: Logger;
  jobIds?: readonly string[];
}

/** The sources' thread entry, bundled on first use. */
let sourceEntry: URL | undefined;

/**
 * The thread's entry: `heartbeat-thread.js` beside this module in the built package (an installed
 * `@gantry/worker`). From the TypeScript sources (tsx, vitest) there is no `.js` beside it, and a loader of the main
 * thread (`--import tsx`) does not reach a worker thread on Node 20; loading one in the thread takes a second or
 * more on a busy machine, while pings must start at once. So the entry and what it imports are bundled once, in
 * the main thread, into one ES module (with esbuild, which tsx and vitest run on) started from a `data:` URL.
 */
function threadEntry(): URL {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new URL("./heartbeat-thread.js", here);
  if (sourceEntry === undefined) {
    const esbuild = createRequire(here)("esbuild") as typeof import("esbuild");
    const built = esbuild.buildSync({
      entryPoints: [fileURLToPath(new URL("./heartbeat-thread.ts", here))],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      write: false,
    });
    sourceEntry = new URL(`data:text/javascript,${encodeURIComponent(built.outputFiles[0]?.text ?? "")}`);
  }
  return sourceEntry;
}

/** Pings the platform from a worker thread; the main thread only updates the shared list of held jobs. */
export class Heartbeat {
  readonly #thread: Worker;
  readonly #jobIds = createMirrorBuffer();
  readonly #idlePolling = new Int32Array(new SharedArrayBuffer(4));
  readonly #logger: Logger;
  readonly #exited: Promise<void>;
  /** Number of pings the platform accepted; lets tests and diagnostics see the thread is alive. */
  pings = 0;
  /** Pings left out because the worker was waiting idle in a job-take long-poll on Gantry. */
  skipped = 0;

  constructor(options: HeartbeatOptions) {
    this.#logger = options.logger;
    writeJobIds(this.#jobIds, options.jobIds ?? []);
    const workerData: HeartbeatThreadData = {
      url: options.url,
      apiKey: options.apiKey,
      intervalMs: options.intervalMs,
      jobIds: this.#jobIds,
      idlePolling: this.#idlePolling.buffer as SharedArrayBuffer,
      version,
      userAgent: USER_AGENT,
    };
    this.#thread = new Worker(threadEntry(), {
      workerData,
      // The thread needs no loaders (e.g. `--import tsx`) of the main process; they only slow its start.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.#thread.unref();
    this.#thread.on("message", (message: HeartbeatReport) => {
      if (message.type === "pinged") this.pings++;
      else if (message.type === "skipped") this.skipped++;
      else if (message.type === "log") this.#logger[message.level](message.message);
    });
    this.#thread.on("error", (error) => this.#logger.error(`Heartbeat thread failed: ${error.message}`));
    this.#exited = new Promise((resolve) => this.#thread.once("exit", () => resolve()));
  }

  update(jobIds: readonly string[]): void {
    writeJobIds(this.#jobIds, jobIds);
  }

  /**
   * On while the worker holds no job and waits in a job-take long-poll on Gantry: the server counts an open
   * long-poll as a sign of life, so pings then would only cost it CPU (200 idle workers send 20 pings/s at the
   * 10 s default). Never on against RunPod, which forgets a worker that stops pinging.
   */
  setIdlePolling(on: boolean): void {
    Atomics.store(this.#idlePolling, 0, on ? 1 : 0);
  }

  /** Stops pinging; waits briefly for a graceful exit, then terminates the thread. */
  async stop(): Promise<void> {
    const stop: HeartbeatCommand = { type: "stop" };
    this.#thread.postMessage(stop);
    const timer = setTimeout(() => void this.#thread.terminate(), 1000);
    await this.#exited;
    clearTimeout(timer);
  }
}
