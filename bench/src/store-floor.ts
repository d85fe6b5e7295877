/**
 * The store's floor under a job: the CPU the SQLite store itself spends on a job's three writes (insert, take,
 * finish), in this process, with no HTTP and no JSON, its commits shaped as the throughput scenario's are.
 * Beside the bare-HTTP ceiling it bounds what any build of this design (one HTTP exchange per job, a durable
 * commit per state change) could reach, so the throughput verdict compares BullMQ with a measured floor rather
 * than with an argument.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStore } from "@gantry/server";

export interface StoreFloor {
  /**
   * Concurrency 1: the CPU of one job's finish and the next job's take, which share a commit as a job-done
   * asking for the next job does (the insert came earlier, on the `/run` path), ms per job.
   */
  serialCycleMs: number;
  /** Concurrency 16: a job's insert, take and finish with 32 inserts and 16 finishes + 16 takes per commit, ms. */
  batchedJobMs: number;
  /**
   * A runsync to an idle worker: the insert and the waiting worker's take in one commit, then the finish in
   * another, one job at a time, ms per job.
   */
  syncJobMs: number;
}

const POLICY = { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false };
const DONE = { status: "COMPLETED" as const, hasOutput: true, output: {}, generator: false };
const ENDPOINT = "floor";
const WORKER = "floor-w";

/** The shapes asked for, each warmed up and then timed over `jobs` jobs on one fresh store. */
export async function measureStoreFloor<K extends keyof StoreFloor>(
  jobs: number,
  shapes: readonly K[],
): Promise<Pick<StoreFloor, K>> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-store-floor-"));
  const store = new SqliteStore({ path: join(dir, "gantry.db") });
  const db = store.jobs;
  let serial = 0;
  const insert = () =>
    db.insert({
      id: `floor-${++serial}`,
      endpointId: ENDPOINT,
      sync: false,
      input: {},
      policy: POLICY,
      createdAt: Date.now(),
      retentionMs: 600_000,
    });
  /** One commit: the held jobs finish and up to `max` are taken. */
  const cycle = async (held: string[], max: number): Promise<string[]> => {
    const now = Date.now();
    const finished = held.map((id) => db.finish({ id, workerId: WORKER, ...DONE, now }));
    const taken = db.take({ endpointId: ENDPOINT, workerId: WORKER, max, now, leaseUntil: now + 60_000 });
    await Promise.all(finished);
    return (await taken).map((j) => j.id);
  };
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1000;
  };
  try {
    // Serial: the queue filled first (untimed), then finish-and-take, one job per commit.
    const serialRun = async (n: number) => {
      for (let i = 0; i < n; i++) await insert();
      let held: string[] = [];
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) held = await cycle(held, 1);
      const ms = cpuMs(c0);
      await cycle(held, 0);
      return ms / n;
    };
    // Batched: 32 inserts per commit, then 16 finishes + 16 takes per commit, all timed. Whole batches of 32, so
    // the cost is divided by the jobs that ran, not by `n`.
    const batchedRun = async (n: number) => {
      const c0 = process.cpuUsage();
      let held: string[] = [];
      let done = 0;
      while (done < n) {
        await Promise.all(Array.from({ length: 32 }, insert));
        for (let left = 32; left > 0; ) {
          held = await cycle(held, 16);
          if (held.length === 0) throw new Error("the store floor's queue ran dry");
          left -= held.length;
          done += held.length;
        }
      }
      await cycle(held, 0);
      return cpuMs(c0) / done;
    };
    // Sync: insert and take in one commit, finish in the next, one job at a time, all timed.
    const syncRun = async (n: number) => {
      const c0 = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const inserted = insert();
        const [taken] = await cycle([], 1);
        await inserted;
        if (!taken) throw new Error("the store floor's take found no job");
        await cycle([taken], 0);
      }
      return cpuMs(c0) / n;
    };
    const runs: Record<keyof StoreFloor, (n: number) => Promise<number>> = {
      serialCycleMs: serialRun,
      batchedJobMs: batchedRun,
      syncJobMs: syncRun,
    };
    const warm = Math.min(2_000, jobs);
    for (const k of shapes) await runs[k](warm);
    const out: Partial<StoreFloor> = {};
    for (const k of shapes) out[k] = await runs[k](jobs);
    return out as Pick<StoreFloor, K>;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
