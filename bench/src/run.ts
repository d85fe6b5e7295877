/** Runs scenarios and collects their rows with the machine info; shared by the CLI and the smoke test. */
import { mkdirSync } from "node:fs";
import { type BenchStore, requireDatabase, SQLITE_STORE } from "./bench-store.js";
import { redisAvailable } from "./bullmq-peer.js";
import { CpuWatch, type MachineInfo, machineInfo } from "./machine.js";
import type { ResultRow } from "./scenario.js";
import { SCENARIOS } from "./scenarios/index.js";

export interface BenchOptions {
  scenarios?: readonly string[];
  smoke?: boolean;
  rounds?: number;
  jobs?: number;
  profileDir?: string;
  /** Store of the Gantry servers under test; default SQLite. */
  store?: BenchStore;
  log?: (message: string) => void;
}

export interface BenchResult {
  machine: MachineInfo;
  during: ReturnType<CpuWatch["stop"]>;
  peer: boolean;
  store: BenchStore;
  rows: ResultRow[];
  /** Rows per scenario name, for callers that check each produced numbers. */
  byScenario: Record<string, ResultRow[]>;
  seconds: number;
}

export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const smoke = options.smoke ?? false;
  const chosen = options.scenarios?.length
    ? SCENARIOS.filter((s) => options.scenarios?.includes(s.name))
    : SCENARIOS;
  const store = options.store ?? SQLITE_STORE;
  await requireDatabase(store);
  const peer = await redisAvailable();
  if (!peer) log("Redis does not answer on 127.0.0.1:6379: BullMQ columns are skipped");
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  const machine = machineInfo();
  const watch = new CpuWatch();
  watch.start();
  const started = performance.now();
  const rows: ResultRow[] = [];
  const byScenario: Record<string, ResultRow[]> = {};
  for (const s of chosen) {
    log(`== ${s.title}`);
    const out = await s.run({
      smoke,
      rounds: options.rounds ?? (smoke ? 1 : 3),
      ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
      peer,
      store,
      ...(options.profileDir ? { cpuProfileDir: options.profileDir } : {}),
      log,
    });
    byScenario[s.name] = out;
    rows.push(...out);
  }
  return {
    machine,
    during: watch.stop(),
    peer,
    store,
    rows,
    byScenario,
    seconds: (performance.now() - started) / 1000,
  };
}
