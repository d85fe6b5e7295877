/**
 * `runDevServer`: the platform in memory with one endpoint whose worker is the developer's command, connected over
 * the real worker protocol. It is what `gantry dev` and a worker's `--rp_serve_api` run, so local calls go through
 * exactly the code production runs — routes, engine, job-take/job-done, streaming, cancel, timeouts.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "pino";
import { ENDPOINT_ID_PATTERN } from "../domain/endpoint.js";
import { LocalProcessProvider } from "../providers/local-process.js";
import type { LogLine } from "../providers/log-buffer.js";
import { DevWorker } from "./dev-worker.js";
import { type LocalPlatform, startLocalPlatform } from "./local-platform.js";
import { type Watcher, watchPaths } from "./watch.js";

export interface DevServerOptions {
  /** Default "localhost". Auth is off on loopback; elsewhere an API key is generated and printed. */
  host?: string;
  /** Default 8000 (the Python SDK's `--rp_api_port` default); 0 picks a free port. */
  port?: number;
  /** Program of the worker (e.g. `process.execPath`, `python3`). */
  command: string;
  args?: string[];
  /** Working directory of the worker; default the current one. */
  cwd?: string;
  /** Environment the worker inherits (minus GANTRY_* and RUNPOD_*, plus the protocol variables). */
  env?: NodeJS.ProcessEnv;
  /** Default "dev". Routes answer under `/v2/{endpointId}/…` and without the prefix. */
  endpointId?: string;
  /** Files or directories whose changes restart the worker. */
  watch?: string[];
  /** Resolves the dev server like SIGINT would (tests, embedding). */
  signal?: AbortSignal;
  /** Listen for SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Called once the server listens and the worker is starting. */
  onReady?: (info: { url: string; endpointId: string; apiKey: string | undefined }) => void;
  /** Where the banner and worker output go; default the process's stdout/stderr. */
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  logger?: Logger;
  /** Executions longer than this are TIMED_OUT (default the endpoint default, 10 min). */
  executionTimeoutMs?: number;
}

/** Flags of the worker SDK that would make the spawned worker start another dev server. */
const SERVE_FLAGS = /^--rp_(serve_api|api_port|api_host|api_concurrency)(=|$)/;

/** Drops `--rp_serve_api` and its companions (with their values) so the spawned worker runs in production mode. */
export function workerArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const m = SERVE_FLAGS.exec(a);
    if (!m) {
      out.push(a);
      continue;
    }
    const takesValue = m[1] !== "serve_api" && m[2] === "";
    if (takesValue && args[i + 1] !== undefined && !(args[i + 1] as string).startsWith("--")) i++;
  }
  return out;
}

function validate(o: DevServerOptions): void {
  if (typeof o.command !== "string" || o.command.trim() === "")
    throw new TypeError("command must be a non-empty string");
  if (o.args !== undefined && (!Array.isArray(o.args) || !o.args.every((a) => typeof a === "string"))) {
    throw new TypeError("args must be an array of strings");
  }
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${String(o.port)}`);
  }
  if (o.endpointId !== undefined && !ENDPOINT_ID_PATTERN.test(o.endpointId)) {
    throw new TypeError(`endpoint id must match [A-Za-z0-9_-]+, got ${JSON.stringify(o.endpointId)}`);
  }
}

/** The curl example of the banner: the project's `test_input.json` when there is a small one. */
function sampleBody(cwd: string): string {
  const file = join(cwd, "test_input.json");
  if (existsSync(file)) {
    try {
      const parsed = JSON.parse(readFileSync(file, "utf8")) as unknown;
      const body = JSON.stringify(parsed);
      if (typeof parsed === "object" && parsed !== null && "input" in parsed && body.length <= 300)
        return body;
    } catch {
      // A broken test_input.json is the worker's business (it reports it in --test_input mode).
    }
  }
  return '{"input": {}}';
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs until SIGINT/SIGTERM (or `signal`), then stops the worker and the platform; resolves with 0. */
export async function runDevServer(options: DevServerOptions): Promise<number> {
  validate(options);
  const out = options.stdout ?? process.stdout;
  const err = options.stderr ?? process.stderr;
  const host = options.host ?? "localhost";
  const endpointId = options.endpointId ?? "dev";
  const cwd = resolve(options.cwd ?? process.cwd());
  const command = [options.command, ...workerArgs(options.args ?? [])];

  const platform: LocalPlatform = await startLocalPlatform({
    host,
    port: options.port ?? 8000,
    endpoints: [
      {
        id: endpointId,
        scaling: { workersMin: 1, workersMax: 1 },
        ...(options.executionTimeoutMs !== undefined
          ? { executionTimeoutMs: options.executionTimeoutMs }
          : {}),
      },
    ],
    defaultEndpoint: endpointId,
    // Short lease: a crashed dev worker's job runs again within seconds, not after half a minute.
    pingIntervalMs: 2_000,
    leaseMs: 10_000,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const provider = new LocalProcessProvider({ dataDir: platform.workDir, logFile: false });
  const onLine = (l: LogLine): void => {
    if (l.stream === "stdout") out.write(`${l.line}\n`);
    else if (l.stream === "stderr") err.write(`${l.line}\n`);
    else err.write(`[gantry] ${l.line}\n`);
  };
  const worker = new DevWorker({
    platform,
    provider,
    endpointId,
    command,
    cwd,
    env: options.env ?? process.env,
    onLine,
  });

  let watcher: Watcher | undefined;
  try {
    if (options.watch && options.watch.length > 0) {
      watcher = watchPaths(options.watch, (changed) => {
        const shown = changed.slice(0, 3).join(", ") + (changed.length > 3 ? ", …" : "");
        void worker.restart(`changed: ${shown}`);
      });
    }
  } catch (e) {
    await platform.close();
    throw e;
  }

  const base = `http://${host.includes(":") ? `[${host}]` : host}:${platform.port}`;
  const auth = platform.apiKey ? ` -H ${shellQuote(`Authorization: Bearer ${platform.apiKey}`)}` : "";
  out.write(
    [
      `Gantry dev server listening on ${base} (endpoint "${endpointId}")`,
      `  worker: ${command.join(" ")}`,
      `  routes: ${base}/runsync, /run, /status/{id}, /stream/{id}, /cancel/{id}, /health — also under ${base}/v2/${endpointId}/…`,
      platform.apiKey ? `  API key: ${platform.apiKey}` : "  auth: off (loopback only)",
      options.watch && options.watch.length > 0 ? `  watching: ${options.watch.join(", ")}` : undefined,
      "  try:",
      `    curl -s -X POST ${base}/runsync -H 'Content-Type: application/json'${auth} -d ${shellQuote(sampleBody(cwd))}`,
      "  Ctrl+C to stop",
      "",
    ]
      .filter((l) => l !== undefined)
      .join("\n"),
  );
  worker.start();
  options.onReady?.({ url: base, endpointId, apiKey: platform.apiKey });

  await new Promise<void>((resolveStop) => {
    const finish = (): void => {
      process.off("SIGINT", finish);
      process.off("SIGTERM", finish);
      options.signal?.removeEventListener("abort", finish);
      resolveStop();
    };
    if (options.handleSignals !== false) {
      process.once("SIGINT", finish);
      process.once("SIGTERM", finish);
    }
    if (options.signal?.aborted) finish();
    options.signal?.addEventListener("abort", finish, { once: true });
  });

  err.write("[gantry] stopping…\n");
  watcher?.close();
  await worker.close();
  await platform.close();
  err.write("[gantry] stopped\n");
  return 0;
}
