/**
 * Scenario 1: no-op jobs submitted over HTTP with `/run` (32 in flight) and processed by the real TypeScript
 * worker at concurrency 1 and 16, durable store (`--store`, SQLite by default); against BullMQ adding the same
 * number of jobs (32 in flight) to a worker process of the same concurrency. Figure: jobs/s from the first
 * submission to the last completion. Each round uses a fresh server (empty database or fresh schema) and a fresh
 * BullMQ queue. On PostgreSQL each round also measures Gantry on SQLite, so the two stores compare in one round,
 * and reads PostgreSQL's commit and WAL counters around the measured jobs to report what one job costs it.
 */
import {
  type BenchStore,
  type PostgresActivity,
  postgresActivity,
  SQLITE_STORE,
  storeLabel,
} from "../bench-store.js";
import { type BullPeer, openBullPeer } from "../bullmq-peer.js";
import { measureFloorRate } from "../floor.js";
import {
  API_KEY,
  ENDPOINT,
  type GantryServerOptions,
  serverOptions,
  startGantryServer,
} from "../gantry-server.js";
import { startNoopWorker } from "../gantry-worker.js";
import { boundedParallel, callJson, pool } from "../http.js";
import { processCpuMicros } from "../proc-cpu.js";
import { inRounds, type ResultRow, ratios, type Scenario, type ScenarioContext } from "../scenario.js";
import { summarize } from "../stats.js";
import { measureStoreFloor, type StoreFloor } from "../store-floor.js";

const IN_FLIGHT = 32;
/** Exchanges timed for the bare-HTTP ceiling of a round (its rate settles long before 50,000). */
const CEILING_EXCHANGES = 10_000;
const WARM_JOBS = 50;
const POLL_MS = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    // Polling a counter here is the measurement's own loop, outside the systems under test's hot paths.
    await sleep(POLL_MS);
  }
}

interface GantryRound {
  rate: number;
  /** Server process CPU (user + system) per measured job, ms; includes the 100 ms /health polls. */
  cpuMsPerJob: number;
  /** The worker process's CPU per measured job, ms (NaN off Linux). */
  workerMsPerJob: number;
  /** This process's CPU per measured job, ms: the load generator (submissions and the completion polls). */
  loadMsPerJob: number;
  /** Growth of PostgreSQL's counters per measured job (PostgreSQL store only). */
  perJob?: PostgresActivity;
}

async function gantryRound(
  options: GantryServerOptions,
  jobs: number,
  concurrency: number,
): Promise<GantryRound> {
  const store: BenchStore = options.store ?? SQLITE_STORE;
  const probe = store.kind === "postgres" ? () => postgresActivity(store.databaseUrl) : undefined;
  let before: PostgresActivity | undefined;
  let rate = Number.NaN;
  let cpuMsPerJob = Number.NaN;
  let workerMsPerJob = Number.NaN;
  let loadMsPerJob = Number.NaN;
  const server = await startGantryServer(options);
  const client = pool(server.url, IN_FLIGHT + 4);
  const worker = startNoopWorker(server.publicUrl, concurrency);
  try {
    const completed = async () => {
      const r = await callJson<{ jobs: { completed: number } }>(client, "GET", `/v2/${ENDPOINT}/health`, {
        auth: API_KEY,
      });
      return r.body.jobs.completed;
    };
    const submit = async () => {
      const r = await callJson(client, "POST", `/v2/${ENDPOINT}/run`, { body: { input: {} }, auth: API_KEY });
      if (r.status !== 200) throw new Error(`/run answered ${r.status}: ${JSON.stringify(r.body)}`);
    };
    await boundedParallel(WARM_JOBS, 8, submit);
    await waitUntil("the warm-up jobs", async () => (await completed()) >= WARM_JOBS, 60_000);
    before = await probe?.();
    const cpuBefore = (await server.usage()).cpuMicros;
    const workerBefore = processCpuMicros(worker.child.pid) ?? Number.NaN;
    const loadBefore = process.cpuUsage();
    const started = performance.now();
    await boundedParallel(jobs, IN_FLIGHT, submit);
    await waitUntil(`${jobs} jobs`, async () => (await completed()) >= WARM_JOBS + jobs, 30 * 60_000);
    rate = (jobs / (performance.now() - started)) * 1000;
    const load = process.cpuUsage(loadBefore);
    loadMsPerJob = (load.user + load.system) / 1000 / jobs;
    workerMsPerJob = ((processCpuMicros(worker.child.pid) ?? Number.NaN) - workerBefore) / 1000 / jobs;
    cpuMsPerJob = ((await server.usage()).cpuMicros - cpuBefore) / 1000 / jobs;
  } finally {
    await worker.stop();
    await client.close();
    await server.close();
  }
  // Read only after close: a backend reports its counters when its session ends, so all of them are in now.
  const after = await probe?.();
  if (!before || !after) return { rate, cpuMsPerJob, workerMsPerJob, loadMsPerJob };
  const per = (k: keyof PostgresActivity) => (after[k] - before[k]) / jobs;
  return {
    rate,
    cpuMsPerJob,
    workerMsPerJob,
    loadMsPerJob,
    perJob: { commits: per("commits"), walSyncs: per("walSyncs"), walBytes: per("walBytes") },
  };
}

interface BullRound {
  rate: number;
  /** CPU per measured job, ms, of the worker process, of Redis and of this process (the load generator). */
  workerMsPerJob: number;
  redisMsPerJob: number;
  loadMsPerJob: number;
}

async function bullRound(jobs: number, concurrency: number): Promise<BullRound> {
  const peer: BullPeer = await openBullPeer();
  try {
    const worker = await peer.startWorker(concurrency);
    try {
      const add = async () => {
        await peer.queue.add("noop", {});
      };
      await boundedParallel(WARM_JOBS, 8, add);
      await waitUntil("the warm-up jobs", async () => (await peer.completed()) >= WARM_JOBS, 60_000);
      const workerBefore = processCpuMicros(worker.pid) ?? Number.NaN;
      const redisBefore = await peer.redisCpuMicros();
      const loadBefore = process.cpuUsage();
      const started = performance.now();
      await boundedParallel(jobs, IN_FLIGHT, add);
      await waitUntil(`${jobs} jobs`, async () => (await peer.completed()) >= WARM_JOBS + jobs, 30 * 60_000);
      const rate = (jobs / (performance.now() - started)) * 1000;
      const load = process.cpuUsage(loadBefore);
      return {
        rate,
        workerMsPerJob: ((processCpuMicros(worker.pid) ?? Number.NaN) - workerBefore) / 1000 / jobs,
        redisMsPerJob: ((await peer.redisCpuMicros()) - redisBefore) / 1000 / jobs,
        loadMsPerJob: (load.user + load.system) / 1000 / jobs,
      };
    } finally {
      await worker.stop();
    }
  } finally {
    await peer.close();
  }
}

export const throughput: Scenario = {
  name: "throughput",
  title: "Throughput: no-op jobs via /run, TypeScript worker, durable store",
  async run(ctx: ScenarioContext) {
    const onPostgres = ctx.store.kind === "postgres";
    const jobs = ctx.jobs ?? (ctx.smoke ? 300 : 50_000);
    const warmJobs = Math.max(100, Math.floor(jobs / 10));
    const rows: ResultRow[] = [];
    for (const concurrency of [1, 16]) {
      const results = await inRounds(ctx, `throughput c=${concurrency}`, async (_i, warmup) => {
        const n = warmup ? warmJobs : jobs;
        const main = await gantryRound(serverOptions(ctx), n, concurrency);
        const g = main.rate;
        const ref = onPostgres ? await gantryRound({ store: SQLITE_STORE }, n, concurrency) : undefined;
        const s = ref?.rate ?? Number.NaN;
        const bull = ctx.peer ? await bullRound(n, concurrency) : undefined;
        const b = bull?.rate ?? Number.NaN;
        // At concurrency 1 the worker's result post (which takes the next job) is one exchange per job, one at a
        // time; at 16 the submissions are one exchange per job, 32 at a time. Measured in the same round.
        const ceiling = await measureFloorRate(
          Math.min(n, CEILING_EXCHANGES),
          concurrency === 1 ? 1 : IN_FLIGHT,
        );
        const c = ceiling.rate;
        // What the SQLite store itself spends on a job, in this process (see store-floor.ts).
        const store = await measureStoreFloor(
          Math.min(n, CEILING_EXCHANGES),
          concurrency === 1 ? ["serialCycleMs"] : ["batchedJobMs"],
        );
        ctx.log(
          `  gantry (${storeLabel(ctx.store)}) ${g.toFixed(0)} jobs/s${onPostgres ? `, gantry (SQLite) ${s.toFixed(0)} jobs/s` : ""}, bullmq ${b.toFixed(0)} jobs/s, bare HTTP ceiling ${c.toFixed(0)}/s, store ${((store.serialCycleMs ?? store.batchedJobMs ?? Number.NaN) * 1000).toFixed(0)} µs/job`,
        );
        return {
          g,
          s,
          b,
          c,
          exchangeCpu: ceiling.cpuMsPerExchange,
          store,
          perJob: main.perJob,
          cpu: main.cpuMsPerJob,
          worker: main.workerMsPerJob,
          load: main.loadMsPerJob,
          bull,
          refCpu: ref?.cpuMsPerJob ?? Number.NaN,
        };
      });
      const g = results.map((r) => r.g);
      const b = results.map((r) => r.b);
      const ratio = summarize(ratios(g, b));
      const metric = `${jobs.toLocaleString("en-US")} jobs, concurrency ${concurrency}${onPostgres ? ", PostgreSQL" : ""}`;
      rows.push({
        scenario: "1 throughput",
        metric,
        unit: "jobs/s",
        gantry: summarize(g),
        ...(ctx.peer ? { reference: "BullMQ", referenceValue: summarize(b), ratio } : {}),
        better: "higher",
        target: "≥ 1× BullMQ",
        ...(ctx.peer ? { met: ratio.median >= 1 } : {}),
      });
      const c = results.map((r) => r.c);
      const bullOfCeiling = summarize(ratios(b, c)).median;
      rows.push({
        scenario: "1 throughput",
        metric,
        unit: "jobs/s",
        gantry: summarize(g),
        reference:
          concurrency === 1
            ? "ceiling: bare node:http exchanges, one at a time"
            : `ceiling: bare node:http exchanges, ${IN_FLIGHT} in flight`,
        referenceValue: summarize(c),
        ratio: summarize(ratios(g, c)),
        better: "higher",
        target: "reported",
        note: ctx.peer
          ? `BullMQ reached ${bullOfCeiling.toFixed(2)}× of this ceiling in the same rounds`
          : "one HTTP exchange per job is the least the protocol needs",
      });
      rows.push(...designFloorRows(concurrency, results, g, b, Boolean(ctx.peer)));
      const cpu = results.map((r) => r.cpu);
      const refCpu = results.map((r) => r.refCpu);
      // Every process's CPU per job, each system beside its peer, where the worker's CPU can be read (Linux).
      const total = results.map((r) => r.cpu + r.worker + r.load);
      if (total.every(Number.isFinite)) {
        const bullTotal = results.map((r) => bullCpuMs(r.bull));
        const med = (xs: number[]) => summarize(xs).median.toFixed(3);
        const parts = `Gantry: server ${med(cpu)} + worker ${med(results.map((r) => r.worker))} + load generator ${med(results.map((r) => r.load))} ms`;
        const bullParts = ctx.peer
          ? `; BullMQ: worker ${med(results.map((r) => r.bull?.workerMsPerJob ?? Number.NaN))} + Redis ${med(results.map((r) => r.bull?.redisMsPerJob ?? Number.NaN))} + load generator ${med(results.map((r) => r.bull?.loadMsPerJob ?? Number.NaN))} ms`
          : "";
        rows.push({
          scenario: "1 throughput",
          metric: `CPU per job, all processes, concurrency ${concurrency}${onPostgres ? ", PostgreSQL" : ""}`,
          unit: "ms",
          gantry: summarize(total),
          ...(ctx.peer
            ? {
                reference: "BullMQ",
                referenceValue: summarize(bullTotal),
                ratio: summarize(ratios(total, bullTotal)),
              }
            : {}),
          better: "lower",
          target: "reported",
          note: `${parts}${bullParts}`,
        });
      }
      rows.push({
        scenario: "1 throughput",
        metric: `server CPU per job, concurrency ${concurrency}${onPostgres ? ", PostgreSQL" : ""}`,
        unit: "ms",
        gantry: summarize(cpu),
        ...(onPostgres
          ? {
              reference: "Gantry on SQLite",
              referenceValue: summarize(refCpu),
              ratio: summarize(ratios(cpu, refCpu)),
            }
          : {}),
        better: "lower",
        target: "reported",
        note: "user + system of the server process",
      });
      if (onPostgres) {
        const s = results.map((r) => r.s);
        rows.push({
          scenario: "1 throughput",
          metric,
          unit: "jobs/s",
          gantry: summarize(g),
          reference: "Gantry on SQLite",
          referenceValue: summarize(s),
          ratio: summarize(ratios(g, s)),
          better: "higher",
          target: "reported",
        });
        const cost = (k: keyof PostgresActivity) =>
          summarize(results.map((r) => r.perJob?.[k] ?? Number.NaN));
        for (const [k, what, unit] of [
          ["commits", "PostgreSQL commits per job", "commits"],
          ["walSyncs", "PostgreSQL WAL flushes per job", "flushes"],
          ["walBytes", "PostgreSQL WAL bytes per job", "B"],
        ] as const) {
          rows.push({
            scenario: "1 throughput",
            metric: `${what}, concurrency ${concurrency}`,
            unit,
            gantry: cost(k),
            better: "lower",
            target: "reported",
            note: "database-wide counters: include any other client of the database",
          });
        }
      }
    }
    return rows;
  },
};

interface FloorInputs {
  c: number;
  exchangeCpu: number;
  store: Partial<StoreFloor>;
  bull?: BullRound | undefined;
}

/** CPU per job of all of BullMQ's processes (worker, Redis, load generator), ms; NaN without the peer. */
const bullCpuMs = (bull: BullRound | undefined): number =>
  bull ? bull.workerMsPerJob + bull.redisMsPerJob + bull.loadMsPerJob : Number.NaN;

/**
 * The floor of this design (one HTTP exchange per job and the store's durable writes, nothing else) beside
 * BullMQ, per round: where the floor itself does not beat BullMQ, no build of the design can, and the verdict
 * says so from a figure measured in the same round.
 *  - Concurrency 1 is a chain: the worker's exchange (its result post, which takes the next job) and the store's
 *    finish-and-take commit follow one another for every job, so the floor is a rate, 1 / (exchange + cycle).
 *  - Concurrency 16 is short of CPU: the floor is CPU per job, a `/run` exchange at 32 in flight (both ends) and
 *    the store's three writes batched, against every BullMQ process's CPU per job.
 */
function designFloorRows(
  concurrency: number,
  results: FloorInputs[],
  gantry: number[],
  bull: number[],
  peer: boolean,
): ResultRow[] {
  const us = (ms: number[]) => `${(summarize(ms).median * 1000).toFixed(0)} µs`;
  if (concurrency === 1) {
    const cycle = results.map((r) => r.store.serialCycleMs ?? Number.NaN);
    const floor = results.map((r, i) => 1000 / (1000 / r.c + (cycle[i] ?? Number.NaN)));
    return [
      {
        scenario: "1 throughput",
        metric: "floor of the design, concurrency 1",
        unit: "jobs/s",
        gantry: summarize(floor),
        ...(peer
          ? { reference: "BullMQ", referenceValue: summarize(bull), ratio: summarize(ratios(floor, bull)) }
          : {}),
        better: "higher",
        target: "reported",
        note: `one bare exchange at a time (${us(results.map((r) => 1000 / r.c))}) + the SQLite store's finish-and-take commit, in-process (${us(cycle)}), one after the other; Gantry reached ${summarize(ratios(gantry, floor)).median.toFixed(2)}× of this floor`,
      },
    ];
  }
  const exchange = results.map((r) => r.exchangeCpu);
  const store = results.map((r) => r.store.batchedJobMs ?? Number.NaN);
  const floor = results.map((r, i) => r.exchangeCpu + (store[i] ?? Number.NaN));
  if (!floor.every(Number.isFinite)) return [];
  const bullCpu = results.map((r) => bullCpuMs(r.bull));
  return [
    {
      scenario: "1 throughput",
      metric: "CPU floor of the design per job, concurrency 16",
      unit: "ms",
      gantry: summarize(floor),
      ...(peer
        ? {
            reference: "BullMQ, all processes",
            referenceValue: summarize(bullCpu),
            ratio: summarize(ratios(floor, bullCpu)),
          }
        : {}),
      better: "lower",
      target: "reported",
      note: `a /run exchange at ${IN_FLIGHT} in flight, both ends (${us(exchange)}) + the SQLite store's insert, take and finish, batched, in-process (${us(store)})`,
    },
  ];
}
