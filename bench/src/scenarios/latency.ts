/**
 * Scenario 2: sequential `/runsync` of a no-op job with a warm idle worker (concurrency 1), against BullMQ's
 * add → `waitUntilFinished` and against the loopback floor (one bare node:http round trip, same client).
 * "Added time" is Gantry's latency minus the floor's, percentile by percentile, in the same round. On PostgreSQL
 * a second Gantry server on SQLite (its own idle worker) is measured in the same rounds, for the store ratio.
 */
import { SQLITE_STORE, storeLabel } from "../bench-store.js";
import { openBullPeer } from "../bullmq-peer.js";
import { measureFloorRtt } from "../floor.js";
import {
  API_KEY,
  ENDPOINT,
  type GantryServerOptions,
  type GantryServerProcess,
  serverOptions,
  startGantryServer,
} from "../gantry-server.js";
import { startNoopWorker, type WorkerProcess } from "../gantry-worker.js";
import { callJson, pool } from "../http.js";
import { inRounds, type ResultRow, ratios, type Scenario } from "../scenario.js";
import { latencyPercentiles, type Percentiles, summarize } from "../stats.js";
import { measureStoreFloor } from "../store-floor.js";

interface Target {
  server: GantryServerProcess;
  client: ReturnType<typeof pool>;
  worker: WorkerProcess;
}

async function openTarget(options: GantryServerOptions): Promise<Target> {
  const server = await startGantryServer(options);
  // With --profile the worker is profiled too: its per-job work is a quarter of the runsync path.
  const profile = options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {};
  return { server, client: pool(server.url, 1), worker: startNoopWorker(server.publicUrl, 1, profile) };
}

async function closeTarget(t: Target | undefined): Promise<void> {
  if (!t) return;
  await t.worker.stop();
  await t.client.close();
  await t.server.close();
}

async function runsyncSamples(t: Target, n: number): Promise<Percentiles> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const r = await callJson<{ status: string }>(t.client, "POST", `/v2/${ENDPOINT}/runsync`, {
      body: { input: {} },
      auth: API_KEY,
    });
    if (r.status !== 200 || r.body.status !== "COMPLETED")
      throw new Error(`/runsync answered ${r.status}: ${JSON.stringify(r.body)}`);
    samples.push(performance.now() - started);
  }
  return latencyPercentiles(samples);
}

export const latency: Scenario = {
  name: "latency",
  title: "Latency: sequential /runsync of a no-op job, warm idle worker",
  async run(ctx) {
    const calls = ctx.smoke ? 50 : 2_000;
    const onPostgres = ctx.store.kind === "postgres";
    let main: Target | undefined;
    let sqlite: Target | undefined;
    const peer = ctx.peer ? await openBullPeer() : undefined;
    const bullWorker = await peer?.startWorker(1);
    try {
      main = await openTarget(serverOptions(ctx));
      if (onPostgres) sqlite = await openTarget({ store: SQLITE_STORE });
      const events = await peer?.events();
      const bull = async (n: number): Promise<Percentiles> => {
        if (!peer || !events) return { p50: Number.NaN, p99: Number.NaN };
        const samples: number[] = [];
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          const job = await peer.queue.add("noop", {});
          await job.waitUntilFinished(events, 30_000);
          samples.push(performance.now() - t);
        }
        return latencyPercentiles(samples);
      };
      const results = await inRounds(ctx, "latency", async (_i, warmup) => {
        const n = warmup ? Math.min(200, calls) : calls;
        const g = await runsyncSamples(main as Target, n);
        const s = sqlite ? await runsyncSamples(sqlite, n) : { p50: Number.NaN, p99: Number.NaN };
        const b = await bull(n);
        const f = await measureFloorRtt(n);
        // The SQLite store's own two commits of a runsync job, in this process (see store-floor.ts).
        const { syncJobMs: store } = await measureStoreFloor(Math.min(n, 2_000), ["syncJobMs"]);
        ctx.log(
          `  gantry (${storeLabel(ctx.store)}) p50 ${g.p50.toFixed(2)} p99 ${g.p99.toFixed(2)}${sqlite ? ` | gantry (SQLite) p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)}` : ""} | bullmq p50 ${b.p50.toFixed(2)} | floor p50 ${f.p50.toFixed(3)} ms`,
        );
        return { g, s, b, f, store };
      });
      const pick = (k: "p50" | "p99", who: "g" | "s" | "b" | "f") => results.map((r) => r[who][k]);
      const on = onPostgres ? ", PostgreSQL" : "";
      const rows: ResultRow[] = [];
      for (const [k, limit] of [
        ["p50", 1],
        ["p99", 5],
      ] as const) {
        const g = pick(k, "g");
        const b = pick(k, "b");
        const added = g.map((v, i) => v - (pick(k, "f")[i] ?? Number.NaN));
        const ratio = summarize(ratios(g, b));
        rows.push({
          scenario: "2 latency",
          metric: `runsync ${k}${on}`,
          unit: "ms",
          gantry: summarize(g),
          ...(ctx.peer ? { reference: "BullMQ add→completed", referenceValue: summarize(b), ratio } : {}),
          better: "lower",
          target: "< BullMQ",
          ...(ctx.peer ? { met: ratio.median < 1 } : {}),
        });
        if (onPostgres) {
          const s = pick(k, "s");
          rows.push({
            scenario: "2 latency",
            metric: `runsync ${k}${on}`,
            unit: "ms",
            gantry: summarize(g),
            reference: "Gantry on SQLite",
            referenceValue: summarize(s),
            ratio: summarize(ratios(g, s)),
            better: "lower",
            target: "reported",
          });
        }
        const addedSummary = summarize(added);
        rows.push({
          scenario: "2 latency",
          metric: `added time ${k}${on}`,
          unit: "ms",
          gantry: addedSummary,
          reference: "floor (node:http RTT)",
          referenceValue: summarize(pick(k, "f")),
          ratio: summarize(ratios(g, pick(k, "f"))),
          better: "lower",
          target: `≤ ${limit} ms`,
          met: addedSummary.median <= limit,
          note: "runsync − floor",
        });
      }
      if (ctx.peer) {
        // A runsync crosses four process boundaries (client → server → worker → server → client): two round
        // trips. The floor of the design is those at the bare echo's p50 plus the store's two commits, with
        // nothing for parsing, routing, JSON or the worker SDK.
        const store = results.map((r) => r.store);
        const floor = results.map((r, i) => 2 * r.f.p50 + (store[i] ?? Number.NaN));
        rows.push({
          scenario: "2 latency",
          metric: "floor of the design, runsync p50",
          unit: "ms",
          gantry: summarize(floor),
          reference: "BullMQ add→completed",
          referenceValue: summarize(pick("p50", "b")),
          ratio: summarize(ratios(floor, pick("p50", "b"))),
          better: "lower",
          target: "reported",
          note: `two bare round trips at p50 (${summarize(results.map((r) => 2 * r.f.p50)).median.toFixed(3)} ms) + the SQLite store's insert-and-take and finish commits, in-process (${(summarize(store).median * 1000).toFixed(0)} µs)`,
        });
      }
      return rows;
    } finally {
      await bullWorker?.stop();
      await peer?.close();
      await closeTarget(sqlite);
      await closeTarget(main);
    }
  },
};
