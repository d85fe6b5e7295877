/** Gantry workers for the scenarios: the no-op worker as a real child process, speaking the real protocol. */
import { type ChildProcess, spawn } from "node:child_process";
import { workerEnv } from "@gantry/server";
import { ENDPOINT, WORKER_SECRET } from "./gantry-server.js";
import { NOOP_WORKER } from "./paths.js";

export interface WorkerProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

let serial = 0;

export interface NoopWorkerOptions {
  /** Write a V8 CPU profile of the worker into this directory when it exits (as `--profile` does for servers). */
  cpuProfileDir?: string;
}

export function startNoopWorker(
  publicUrl: string,
  concurrency: number,
  options: NoopWorkerOptions = {},
): WorkerProcess {
  const workerId = `bench-w${process.pid}-${++serial}`;
  const env = {
    ...process.env,
    ...workerEnv({ publicUrl, endpointId: ENDPOINT, workerId, workerSecret: WORKER_SECRET }),
    BENCH_CONCURRENCY: String(concurrency),
    // BullMQ's worker logs nothing per job; the SDK's default (DEBUG) would write several lines per job.
    RUNPOD_LOG_LEVEL: "WARN",
  };
  const args = options.cpuProfileDir ? ["--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir] : [];
  const child = spawn(process.execPath, [...args, NOOP_WORKER], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    child.once("exit", () => resolve());
  });
  return {
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
