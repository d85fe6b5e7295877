/**
 * Scenario 5: behaviour with a deep queue. First on a (nearly) empty queue, then after filling it to the
 * target depth: the HTTP enqueue rate (`/run`, 32 in flight) and the latency of one `job-take` (sequential
 * takes of a raw protocol client; each taken job is finished untimed). The backlog itself is built inside the
 * server process through the engine (no HTTP) to keep the run bounded; the fill rate is reported too.
 */
import { API_KEY, ENDPOINT, serverOptions, startGantryServer, WORKER_SECRET } from "../gantry-server.js";
import { boundedParallel, callJson, pool } from "../http.js";
import { inRounds, type ResultRow, ratios, type Scenario } from "../scenario.js";
import { latencyPercentiles, summarize } from "../stats.js";

const IN_FLIGHT = 32;
const MB = 1024 * 1024;

export const queueDepth: Scenario = {
  name: "queue-depth",
  title: "Queue depth: enqueue rate and take latency, empty vs deep queue",
  async run(ctx) {
    const depth = ctx.jobs ?? (ctx.smoke ? 2_000 : 1_000_000);
    const enqueues = ctx.smoke ? 200 : 5_000;
    const takes = ctx.smoke ? 100 : 1_000;
    const server = await startGantryServer(serverOptions(ctx));
    const client = pool(server.url, IN_FLIGHT + 2);
    try {
      const enqueueRate = async (n: number): Promise<number> => {
        const t = performance.now();
        await boundedParallel(n, IN_FLIGHT, async () => {
          const r = await callJson(client, "POST", `/v2/${ENDPOINT}/run`, {
            body: { input: {} },
            auth: API_KEY,
          });
          if (r.status !== 200) throw new Error(`/run answered ${r.status}: ${JSON.stringify(r.body)}`);
        });
        return (n / (performance.now() - t)) * 1000;
      };
      const takeLatency = async (n: number) => {
        const samples: number[] = [];
        const headers = { authorization: WORKER_SECRET };
        for (let i = 0; i < n; i++) {
          const t = performance.now();
          const r = await callJson<{ id: string }>(
            client,
            "GET",
            `/v2/${ENDPOINT}/job-take/bench-taker?gpu=none&job_in_progress=0`,
            { headers },
          );
          samples.push(performance.now() - t);
          if (r.status !== 200) throw new Error(`job-take answered ${r.status} with jobs queued`);
          const done = await callJson(
            client,
            "POST",
            `/v2/${ENDPOINT}/job-done/bench-taker/${r.body.id}?gpu=none`,
            {
              body: { output: {} },
              headers,
            },
          );
          if (done.status !== 200) throw new Error(`job-done answered ${done.status}`);
        }
        return latencyPercentiles(samples);
      };
      const phase = (label: string) =>
        inRounds(ctx, `queue depth (${label})`, async () => {
          // The warm-up round is a whole one: a short one left the empty-queue phase measured before the JIT
          // had settled (the deep phase comes after a million in-process submits), which read the deep queue
          // as 1.35–1.64× faster to enqueue and would have hidden a real slowdown of up to that much.
          const rate = await enqueueRate(enqueues);
          const take = await takeLatency(takes);
          ctx.log(`  ${label}: ${rate.toFixed(0)} runs/s, take p50 ${take.p50.toFixed(2)} ms`);
          return { rate, ...take };
        });
      const empty = await phase("empty");
      const rssEmpty = (await server.usage()).rss;
      ctx.log(`queue depth: filling to ${depth.toLocaleString("en-US")} jobs`);
      const fillMs = await server.fill(ENDPOINT, depth);
      ctx.log(`  filled in ${(fillMs / 1000).toFixed(1)} s`);
      const deep = await phase(`${depth} queued`);
      const usage = await server.usage();
      const stored = depth + (ctx.rounds + 1) * 2 * enqueues;
      const bytesPerJob = (await server.storeBytes()) / stored;

      const rate = (xs: typeof empty) => xs.map((x) => x.rate);
      const p = (xs: typeof empty, k: "p50" | "p99") => xs.map((x) => x[k]);
      const rows: ResultRow[] = [];
      const rateRatio = summarize(ratios(rate(empty), rate(deep)));
      rows.push({
        scenario: "5 queue depth",
        metric: `/run enqueue rate at ${depth.toLocaleString("en-US")} queued`,
        unit: "runs/s",
        gantry: summarize(rate(deep)),
        reference: "empty queue",
        referenceValue: summarize(rate(empty)),
        ratio: summarize(ratios(rate(deep), rate(empty))),
        better: "higher",
        target: "slowdown ≤ 1.5×",
        met: rateRatio.median <= 1.5,
      });
      for (const k of ["p50", "p99"] as const) {
        const r = summarize(ratios(p(deep, k), p(empty, k)));
        rows.push({
          scenario: "5 queue depth",
          metric: `job-take latency ${k} at ${depth.toLocaleString("en-US")} queued`,
          unit: "ms",
          gantry: summarize(p(deep, k)),
          reference: "empty queue",
          referenceValue: summarize(p(empty, k)),
          ratio: r,
          better: "lower",
          target: "≤ 1.5× empty",
          met: r.median <= 1.5,
        });
      }
      rows.push({
        scenario: "5 queue depth",
        metric: "server RSS with the queue full",
        unit: "MB",
        gantry: summarize([usage.rss / MB]),
        reference: "RSS with the queue empty",
        referenceValue: summarize([rssEmpty / MB]),
        ratio: summarize([usage.rss / rssEmpty]),
        better: "lower",
        target: "≤ 300 MB",
        met: usage.rss / MB <= 300,
      });
      rows.push({
        scenario: "5 queue depth",
        metric: `bytes per stored job (${ctx.store.kind === "postgres" ? "PostgreSQL schema: tables + indexes" : "SQLite file + WAL"})`,
        unit: "B",
        gantry: summarize([bytesPerJob]),
        better: "lower",
        target: "reported",
      });
      rows.push({
        scenario: "5 queue depth",
        metric: "backlog fill rate (engine.submit in-process, no HTTP)",
        unit: "jobs/s",
        gantry: summarize([(depth / fillMs) * 1000]),
        better: "higher",
      });
      return rows;
    } finally {
      await client.close();
      await server.close();
    }
  },
};
