/**
 * Several real `gantry serve` processes (the built CLI) on different ports sharing one real PostgreSQL schema,
 * with real SDK worker processes attached to chosen nodes. A fresh schema per test file, dropped at the end;
 * an unreachable PostgreSQL fails the file (requirePostgres) instead of skipping it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EndpointConfigInput } from "../../src/domain/endpoint.js";
import type { JobView } from "../../src/domain/job.js";
import type { HealthView } from "../../src/engine/platform.js";
import { LocalProcessProvider } from "../../src/providers/local-process.js";
import type { WorkerHandle } from "../../src/providers/provider.js";
import { testDatabaseUrl } from "../../src/testing/postgres-test-db.js";
import { CLI_BIN, cliBuilt, type Proc, run } from "../e2e/cli-process.js";
import { apiCaller, REPO_ROOT, startFixtureWorker, TERMINAL } from "../e2e/harness.js";

export const API_KEY = "multinode-api-key-01";
export const WORKER_SECRET = "multinode-worker-secret-01";

export interface Reply<T = unknown> {
  status: number;
  body: T;
}

export interface GantryNode {
  name: string;
  url: string;
  proc: Proc;
  /** Whether its log says it became the leader (and has not said it stopped leading since). */
  isLeader(): boolean;
  call<T = unknown>(
    method: "GET" | "POST",
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Reply<T>>;
  submit(endpointId: string, input: unknown, extra?: Record<string, unknown>): Promise<string>;
  /** Long-polls `/status-sync` on this node until the job is terminal. */
  waitDone(endpointId: string, jobId: string, timeoutMs?: number): Promise<JobView>;
  health(endpointId: string): Promise<HealthView>;
  /** SIGKILL: no shutdown, no lease release. */
  kill(): Promise<void>;
}

export interface ClusterOptions {
  schema: string;
  endpoints: EndpointConfigInput[];
  config?: Record<string, unknown>;
}

export interface Cluster {
  nodes: GantryNode[];
  dir: string;
  /** Starts another node sharing the schema. */
  addNode(name: string): Promise<GantryNode>;
  /** An SDK worker process (test/fixtures/e2e-worker.ts) whose every request goes to `node`. */
  startWorker(node: GantryNode, endpointId: string, workerId: string, args?: string[]): WorkerHandle;
  /** SIGTERM to the nodes still running (they stop their own workers), SIGKILL after a grace; workers too. */
  close(): Promise<void>;
}

export async function startCluster(names: string[], o: ClusterOptions): Promise<Cluster> {
  if (!cliBuilt()) throw new Error(`build the CLI first: npx tsc -b packages/cli (missing ${CLI_BIN})`);
  const dir = mkdtempSync(join(tmpdir(), "gantry-multinode-"));
  const provider = new LocalProcessProvider({ dataDir: join(dir, "workers") });
  const nodes: GantryNode[] = [];

  const addNode = async (name: string): Promise<GantryNode> => {
    const dataDir = join(dir, name);
    mkdirSync(dataDir, { recursive: true });
    const configPath = join(dataDir, "gantry.json");
    writeFileSync(
      configPath,
      JSON.stringify({
        host: "127.0.0.1",
        port: 0,
        dataDir,
        store: "postgres",
        databaseUrl: testDatabaseUrl(),
        postgres: { schema: o.schema, poolSize: 4 },
        logLevel: "info",
        auth: { apiKeys: [API_KEY], workerSecret: WORKER_SECRET },
        pingIntervalMs: 1_000,
        takeHoldMs: 5_000,
        rateLimits: false,
        cluster: { nodeName: name, leaderTtlMs: 3_000, recheckMs: 1_000 },
        endpoints: o.endpoints,
        ...o.config,
      }),
    );
    const proc = run(process.execPath, [CLI_BIN, "serve", "--config", configPath, "--json"], REPO_ROOT, {
      GANTRY_STORE: "",
      DATABASE_URL: "",
      GANTRY_DATABASE_URL: "",
    });
    const [, url] = await proc.waitFor(/"event":"listening","url":"([^"]+)"/, 30_000);
    if (!url) throw new Error(`node ${name} did not report its URL`);
    const node = makeNode(name, url, proc);
    nodes.push(node);
    return node;
  };

  for (const name of names) await addNode(name);

  return {
    nodes,
    dir,
    addNode,
    startWorker: (node, endpointId, workerId, args = []) =>
      startFixtureWorker(provider, {
        publicUrl: node.url,
        endpointId,
        workerId,
        workerSecret: WORKER_SECRET,
        args,
      }),
    async close() {
      await provider.stopAll(5_000);
      await Promise.all(
        nodes.map(async (n) => {
          if (n.proc.child.exitCode !== null || n.proc.child.signalCode !== null) return;
          n.proc.child.kill("SIGTERM");
          const grace = setTimeout(() => n.proc.kill(), 15_000);
          await n.proc.exited;
          clearTimeout(grace);
        }),
      );
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function makeNode(name: string, url: string, proc: Proc): GantryNode {
  const call = apiCaller(() => url, API_KEY, 120_000);
  return {
    name,
    url,
    proc,
    isLeader() {
      const log = proc.stdout() + proc.stderr();
      return log.lastIndexOf("now the leader") > log.lastIndexOf("no longer the leader");
    },
    call,
    async submit(endpointId, input, extra = {}) {
      const r = await call<{ id: string }>("POST", `/v2/${endpointId}/run`, { input, ...extra });
      if (r.status !== 200) throw new Error(`${name}: run → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id;
    },
    async waitDone(endpointId, jobId, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const wait = Math.max(1_000, Math.min(10_000, deadline - Date.now()));
        const r = await call<JobView>("GET", `/v2/${endpointId}/status-sync/${jobId}?wait=${wait}`);
        if (r.status !== 200)
          throw new Error(`${name}: status-sync ${jobId} → ${r.status} ${JSON.stringify(r.body)}`);
        if (TERMINAL.includes(r.body.status)) return r.body;
        if (Date.now() >= deadline)
          throw new Error(`job ${jobId} still ${r.body.status} after ${timeoutMs} ms`);
      }
    },
    async health(endpointId) {
      const r = await call<HealthView>("GET", `/v2/${endpointId}/health`);
      if (r.status !== 200) throw new Error(`${name}: health → ${r.status}`);
      return r.body;
    },
    async kill() {
      proc.kill();
      await proc.exited;
    },
  };
}

/** Lines a worker's handler wrote to a marker file (`started <job> <worker>`, …). */
export function markerLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

export { TERMINAL, until } from "../e2e/harness.js";
