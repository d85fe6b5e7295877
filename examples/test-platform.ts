/**
 * A one-job platform on loopback for example tests: it hands one job to an example worker started in
 * production mode (the real worker protocol: job-take, job-stream, job-done, pings), records every post,
 * and stops the worker with SIGTERM once the final result has arrived. It shows what a client of the
 * endpoint would receive, including the parts local test mode does not print for failed jobs.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const examplesDir = dirname(fileURLToPath(import.meta.url));
const WORKER_ID = "example-worker";

export interface PlatformOptions {
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Overall bound for the run; generous because the machine is shared. */
  timeoutMs?: number;
  /**
   * When this settles, the platform cancels the job over the job-stop channel. The run then ends once a
   * ping no longer lists the job (pings every second in that case); a stopped job posts no result.
   */
  stopJob?: Promise<unknown>;
  /** Awaited after the run's end (result posted, or stopped job gone from pings) and before SIGTERM. */
  beforeShutdown?: () => Promise<unknown>;
}

export interface PlatformRun {
  /** Exit code of the worker after SIGTERM (0 for a graceful shutdown). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The final job-done body, e.g. `{ output }` or `{ error, output? }`; undefined when none was posted. */
  result: Record<string, unknown> | undefined;
  /** `isStream` of the final post: true for generator handlers. */
  resultIsStream: boolean;
  /** `output` of each job-stream post, in order of arrival. */
  streamed: unknown[];
  /** `output` of each progress post (job-done with `status: "IN_PROGRESS"`), in order of arrival. */
  progress: unknown[];
  /** Order of arrival of every post: "stream", "progress" or "result". */
  posts: Array<"stream" | "progress" | "result">;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  req.setEncoding("utf8");
  for await (const chunk of req) text += chunk;
  return JSON.parse(text) as Record<string, unknown>;
}

export async function runOnPlatform(
  name: string,
  job: { id: string; input: unknown },
  options: PlatformOptions = {},
): Promise<PlatformRun> {
  const held: ServerResponse[] = [];
  const heldStops: ServerResponse[] = [];
  let jobGiven = false;
  let stopping = false;
  let stopWanted = false;
  let stopSent = false;
  const sendStop = (res: ServerResponse) => {
    stopSent = true;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jobsToStop: [job.id] }));
  };
  let resolveIdle: () => void = () => {};
  const idleAfterStop = new Promise<undefined>((resolve) => {
    resolveIdle = () => resolve(undefined);
  });
  options.stopJob?.then(() => {
    stopWanted = true;
    const poll = heldStops.shift();
    if (poll) sendStop(poll);
  });
  let resolveResult: (value: { body: Record<string, unknown>; isStream: boolean }) => void = () => {};
  const resultArrived = new Promise<{ body: Record<string, unknown>; isStream: boolean }>((resolve) => {
    resolveResult = resolve;
  });
  const streamed: unknown[] = [];
  const progress: unknown[] = [];
  const posts: PlatformRun["posts"] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = url.pathname.split("/")[1];
    if (req.method === "GET" && route === "job-take" && !jobGiven) {
      jobGiven = true;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(job));
    } else if (req.method === "GET" && route === "job-stop" && stopWanted && !stopSent) {
      sendStop(res);
    } else if (req.method === "GET" && (route === "job-take" || route === "job-stop")) {
      // Long-poll: held until the run ends (or a stop is wanted), then "nothing" (204).
      if (stopping) res.writeHead(204).end();
      else (route === "job-stop" ? heldStops : held).push(res);
    } else if (req.method === "GET" && route === "ping") {
      res.writeHead(200).end();
      if (stopSent && !url.searchParams.has("job_id")) resolveIdle();
    } else if (req.method === "POST" && (route === "job-done" || route === "job-stream")) {
      readJson(req).then(
        (body) => {
          res.writeHead(200).end();
          if (route === "job-stream") {
            posts.push("stream");
            streamed.push(body.output);
          } else if (body.status === "IN_PROGRESS") {
            posts.push("progress");
            progress.push(body.output);
          } else {
            posts.push("result");
            resolveResult({ body, isStream: url.searchParams.get("isStream") === "true" });
          }
        },
        () => res.writeHead(400).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("RUNPOD_")) env[key] = value;
  }
  Object.assign(
    env,
    {
      RUNPOD_WEBHOOK_GET_JOB: `${base}/job-take/$ID?gpu=test`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=test`,
      RUNPOD_WEBHOOK_POST_STREAM: `${base}/job-stream/$RUNPOD_POD_ID/$ID?gpu=test`,
      RUNPOD_WEBHOOK_PING: `${base}/ping/$RUNPOD_POD_ID?gpu=test`,
      RUNPOD_POD_ID: WORKER_ID,
      RUNPOD_AI_API_KEY: "example-test-key",
      RUNPOD_PING_INTERVAL: options.stopJob ? "1000" : "5000",
      RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: "true",
      RUNPOD_LOG_LEVEL: "DEBUG",
      GANTRY_SHUTDOWN_GRACE_MS: "2000",
    },
    options.env,
  );

  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", "handler.ts"], {
    cwd: join(examplesDir, name),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${name}: no result within the time limit\n${stdout}\n${stderr}`)),
      options.timeoutMs ?? 20_000,
    );
  });
  try {
    const earlyExit = exited.then(([code]) => {
      throw new Error(`${name}: worker exited (${code}) before posting a result\n${stdout}\n${stderr}`);
    });
    earlyExit.catch(() => {}); // only matters while racing for the result
    const final = await Promise.race([resultArrived, idleAfterStop, earlyExit, timedOut]);
    if (options.beforeShutdown) await Promise.race([options.beforeShutdown(), timedOut]);
    stopping = true;
    child.kill("SIGTERM");
    for (const res of [...held.splice(0), ...heldStops.splice(0)]) res.writeHead(204).end();
    const [code] = await Promise.race([exited, timedOut]);
    return {
      code,
      stdout,
      stderr,
      result: final?.body,
      resultIsStream: final?.isStream ?? false,
      streamed,
      progress,
      posts,
    };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const res of [...held.splice(0), ...heldStops.splice(0)]) res.writeHead(204).end();
    server.closeAllConnections();
    server.close();
  }
}
