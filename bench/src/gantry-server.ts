/** Starts a Gantry server in a child process (`server-child.ts`) and talks to it over IPC. */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchStore, dropSchema, nextSchema, SQLITE_STORE, schemaBytes } from "./bench-store.js";
import { TSX_IMPORT } from "./paths.js";
import type { ScenarioContext } from "./scenario.js";

export const API_KEY = "bench-api-key-0001";
export const WORKER_SECRET = "bench-worker-secret-0001";
export const ENDPOINT = "bench";

const CHILD = fileURLToPath(new URL("./server-child.ts", import.meta.url));

export interface ServerUsage {
  /** User + system CPU time of the server process so far, µs. */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
}

export interface GantryServerOptions {
  /** Endpoint entries (the config file's shape); default one endpoint `bench` with a queue cap of 2 M. */
  endpoints?: Record<string, unknown>[];
  /** Extra top-level config. */
  config?: Record<string, unknown>;
  /** Write a V8 CPU profile of the server into this directory when it exits. */
  cpuProfileDir?: string;
  /** Default SQLite; PostgreSQL gets a fresh schema, dropped by `close()`. */
  store?: BenchStore;
}

export interface GantryServerProcess {
  url: string;
  publicUrl: string;
  dataDir: string;
  pid: number;
  usage(): Promise<ServerUsage>;
  /** Queues `count` jobs through the engine in-process (no HTTP); resolves with the time it took. */
  fill(endpointId: string, count: number): Promise<number>;
  /** Size of the store: the SQLite database with its WAL, or the PostgreSQL schema's tables and indexes, bytes. */
  storeBytes(): Promise<number>;
  close(): Promise<void>;
}

export function benchEndpoint(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: ENDPOINT, limits: { maxQueue: 2_000_000 }, ...extra };
}

/** The options every scenario starts its server with: the run's store and, when asked, a CPU profile. */
export function serverOptions(
  ctx: Pick<ScenarioContext, "store" | "cpuProfileDir">,
  extra: GantryServerOptions = {},
): GantryServerOptions {
  return { store: ctx.store, ...(ctx.cpuProfileDir ? { cpuProfileDir: ctx.cpuProfileDir } : {}), ...extra };
}

export async function startGantryServer(options: GantryServerOptions = {}): Promise<GantryServerProcess> {
  const store = options.store ?? SQLITE_STORE;
  const schema = store.kind === "postgres" ? nextSchema(store) : undefined;
  const storeConfig =
    store.kind === "postgres"
      ? { store: "postgres", databaseUrl: store.databaseUrl, postgres: { schema } }
      : { store: "sqlite" };
  // Every way out removes what the server left: its data dir and, on PostgreSQL, its schema.
  const cleanUp = async (dataDir: string) => {
    rmSync(dataDir, { recursive: true, force: true });
    if (store.kind === "postgres" && schema) await dropSchema(store.databaseUrl, schema);
  };
  const dataDir = mkdtempSync(join(tmpdir(), "gantry-bench-"));
  const execArgv = ["--import", TSX_IMPORT];
  if (options.cpuProfileDir) execArgv.push("--cpu-prof", "--cpu-prof-dir", options.cpuProfileDir);
  const child = fork(CHILD, [], { execArgv, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const rpc = new Rpc(child);
  try {
    const ready = await rpc.call<{ url: string; publicUrl: string }>("start", {
      config: {
        host: "127.0.0.1",
        port: 0,
        dataDir,
        ...storeConfig,
        logLevel: "silent",
        auth: { apiKeys: [API_KEY], workerSecret: WORKER_SECRET },
        rateLimits: false,
        endpoints: options.endpoints ?? [benchEndpoint()],
        ...options.config,
      },
    });
    let closed: Promise<void> | undefined;
    return {
      url: ready.url,
      publicUrl: ready.publicUrl,
      dataDir,
      pid: child.pid ?? -1,
      usage: () => rpc.call<ServerUsage>("usage"),
      fill: async (endpointId, count) =>
        (await rpc.call<{ ms: number }>("fill", { endpointId, count }, 3_600_000)).ms,
      storeBytes: async () => {
        if (store.kind === "postgres" && schema) return schemaBytes(store.databaseUrl, schema);
        let total = 0;
        for (const f of ["gantry.db", "gantry.db-wal"]) {
          try {
            total += statSync(join(dataDir, f)).size;
          } catch {
            // No WAL yet.
          }
        }
        return total;
      },
      close: () => {
        closed ??= (async () => {
          try {
            await rpc.call("close", {}, 60_000);
          } catch {
            child.kill("SIGKILL");
          }
          await rpc.exited;
          await cleanUp(dataDir);
        })();
        return closed;
      },
    };
  } catch (err) {
    child.kill("SIGKILL");
    await rpc.exited;
    await cleanUp(dataDir).catch(() => undefined);
    throw err;
  }
}

/** Request/reply over the IPC channel, each reply matched by id. */
class Rpc {
  readonly exited: Promise<void>;
  #next = 0;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();

  constructor(private readonly child: ChildProcess) {
    child.on("message", (msg: { id: number; error?: string }) => {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(`gantry server: ${msg.error}`));
      else p.resolve(msg);
    });
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      child.once("exit", (code, signal) => {
        for (const p of this.#pending.values())
          p.reject(new Error(`gantry server exited (${signal ?? code}) before answering`));
        this.#pending.clear();
        resolve();
      });
    });
  }

  call<T>(type: string, body: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = ++this.#next;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`gantry server: no answer to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      // With a callback a closed channel (the server died, e.g. on Ctrl-C) rejects this call instead of
      // surfacing as an unhandled 'error' event that would kill the benchmark before it cleans up.
      this.child.send({ id, type, ...body }, (err) => {
        if (!err) return;
        const p = this.#pending.get(id);
        this.#pending.delete(id);
        p?.reject(new Error(`gantry server: cannot send ${type}: ${err.message}`));
      });
    });
  }
}
