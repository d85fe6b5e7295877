/**
 * Scenario 1: no-op jobs submitted over HTTP with `/run` (32 in flight) and processed by the real TypeScript
 * worker at concurrency 1 and 16, durable SQLite store; against BullMQ adding the same number of jobs (32 in
 * flight) to a worker process of the same concurrency. Figure: jobs/s from the first submission to the last
 * completion. Each round uses a fresh server (empty database) and a fresh BullMQ queue.
 */
import { type BullPeer, openBullPeer } from "../bullmq-peer.js";
import { API_KEY, ENDPOINT, startGantryServer } from "../gantry-server.js";
import { startNoopWorker } from "../gantry-worker.js";
import { boundedParallel, callJson, pool } from "../http.js";
import { inRounds, type ResultRow, ratios, type Scenario, type ScenarioContext } from "../scenario.js";
import { summarize } from "../stats.js";

const IN_FLIGHT = 32;
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

async function gantryRound(ctx: ScenarioContext, jobs: number, concurrency: number): Promise<number> {
  const server = await startGantryServer(ctx.cpuProfileDir ? { cpuProfileDir: ctx.cpuProfileDir } : {});
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
    const started = performance.now();
    await boundedParallel(jobs, IN_FLIGHT, submit);
    await waitUntil(`${jobs} jobs`, async () => (await completed()) >= WARM_JOBS + jobs, 30 * 60_000);
    return (jobs / (performance.now() - started)) * 1000;
  } finally {
    await worker.stop();
    await client.close();
    await server.close();
  }
}

async function bullRound(jobs: number, concurrency: number): Promise<number> {
  const peer: BullPeer = await openBullPeer();
  try {
    const worker = await peer.startWorker(concurrency);
    try {
      const add = async () => {
        await peer.queue.add("noop", {});
      };
      await boundedParallel(WARM_JOBS, 8, add);
      await waitUntil("the warm-up jobs", async () => (await peer.completed()) >= WARM_JOBS, 60_000);
      const started = performance.now();
      await boundedParallel(jobs, IN_FLIGHT, add);
      await waitUntil(`${jobs} jobs`, async () => (await peer.completed()) >= WARM_JOBS + jobs, 30 * 60_000);
      return (jobs / (performance.now() - started)) * 1000;
    } finally {
      await worker.stop();
    }
  } finally {
    await peer.close();
  }
}

export const throughput: Scenario = {
  name: "throughput",
  title: "Throughput: no-op jobs via /run, TypeScript worker, SQLite store",
  async run(ctx) {
    const jobs = ctx.jobs ?? (ctx.smoke ? 300 : 50_000);
    const warmJobs = Math.max(100, Math.floor(jobs / 10));
    const rows: ResultRow[] = [];
    for (const concurrency of [1, 16]) {
      const results = await inRounds(ctx, `throughput c=${concurrency}`, async (_i, warmup) => {
        const n = warmup ? warmJobs : jobs;
        const g = await gantryRound(ctx, n, concurrency);
        const b = ctx.peer ? await bullRound(n, concurrency) : Number.NaN;
        ctx.log(`  gantry ${g.toFixed(0)} jobs/s, bullmq ${b.toFixed(0)} jobs/s`);
        return { g, b };
      });
      const g = results.map((r) => r.g);
      const b = results.map((r) => r.b);
      const ratio = summarize(ratios(g, b));
      rows.push({
        scenario: "1 throughput",
        metric: `${jobs.toLocaleString("en-US")} jobs, concurrency ${concurrency}`,
        unit: "jobs/s",
        gantry: summarize(g),
        ...(ctx.peer ? { reference: "BullMQ", referenceValue: summarize(b), ratio } : {}),
        better: "higher",
        target: "≥ 1× BullMQ",
        ...(ctx.peer ? { met: ratio.median >= 1 } : {}),
      });
    }
    return rows;
  },
};
