/**
 * Scenario 6: an idle fleet. 200 simulated workers, each speaking the protocol as Gantry's TypeScript worker
 * does when idle — a job-take long-poll, a job-stop long-poll, and pings — from raw HTTP clients in this process
 * rather than 200 processes (the server cannot tell the difference, and 200 Node processes would not fit in
 * memory next to it). Server defaults: the default hold, 10 s pings. Measured: the server process's CPU share
 * of one core over the window, and its RSS growth per connected worker.
 *
 * Two fleets, one after the other on the same server and connections:
 * - `@gantry/worker`: pings once, then, having seen `X-Gantry-Version` on a job-take answer, leaves out its pings
 *   while it waits idle in a job-take long-poll (the server counts the open poll as a sign of life), as the SDK's
 *   heartbeat does (`Heartbeat.setIdlePolling`), and polls job-stop only while it holds a job (never, here);
 * - RunPod-style, as Python `runpod` workers behave: a ping every interval and a job-stop long-poll throughout.
 *
 * The cost comes in bursts (each worker's renewals once a hold, its pings every 10 s, the timers), so the
 * workers start spread over one hold, as a fleet that came up over time would, not in lock-step, and every
 * measured window is two holds long: each sees every worker renew twice and ping a dozen times. A window shorter
 * than a hold measured whether it happened to hold the renewal burst (with all workers started at once and a
 * 30 s hold, a 5 s warm-up read 0.4 % and the 35 s round after it 4 %).
 */
import { setMaxListeners } from "node:events";
import { CONFIG_DEFAULTS } from "@gantry/server";
import { Agent } from "undici";
import { ENDPOINT, serverOptions, startGantryServer, WORKER_SECRET } from "../gantry-server.js";
import { inRounds, type ResultRow, type Scenario } from "../scenario.js";
import { summarize } from "../stats.js";

const MB = 1024 * 1024;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

export const idleFleet: Scenario = {
  name: "idle-fleet",
  title: "Idle fleet: 200 long-polling workers",
  async run(ctx) {
    const workers = ctx.smoke ? 20 : 200;
    const pingMs = ctx.smoke ? 1_000 : CONFIG_DEFAULTS.pingIntervalMs;
    const takeHoldMs = ctx.smoke ? 1_000 : CONFIG_DEFAULTS.takeHoldMs;
    const windowMs = 2 * takeHoldMs;
    const server = await startGantryServer(
      serverOptions(ctx, { config: { takeHoldMs, pingIntervalMs: pingMs } }),
    );
    const agent = new Agent({
      connections: workers * 3 + 10,
      keepAliveTimeout: 120_000,
      bodyTimeout: 0,
      headersTimeout: 0,
    });
    const stop = new AbortController();
    // Every long-poll of every simulated worker listens on this one signal.
    setMaxListeners(0, stop.signal);
    const loops: Promise<void>[] = [];
    const errors: string[] = [];
    const headers = { authorization: WORKER_SECRET };
    const loop = (fn: () => Promise<void>) =>
      loops.push(
        (async () => {
          while (!stop.signal.aborted) {
            try {
              await fn();
            } catch (err) {
              if (stop.signal.aborted) return;
              errors.push(String(err));
              await sleep(1000, stop.signal);
            }
          }
        })(),
      );
    /** Resolves with whether the answer carried `X-Gantry-Version`. */
    const get = async (url: string): Promise<boolean> => {
      const r = await agent.request({
        origin: server.url,
        path: url,
        method: "GET",
        headers,
        signal: stop.signal,
      });
      await r.body.dump();
      if (r.statusCode >= 300) throw new Error(`${url} answered ${r.statusCode}`);
      return r.headers["x-gantry-version"] !== undefined;
    };
    // Which fleet is being simulated: the SDK's quiet idle, or RunPod-style pings and job-stop polls.
    let runpodStyle = false;
    let startRunpodStyle = () => {};
    const runpodStyleStarts = new Promise<void>((resolve) => {
      startRunpodStyle = resolve;
    });
    stop.signal.addEventListener("abort", () => startRunpodStyle(), { once: true });
    try {
      await sleep(1000);
      const idleRss = (await server.usage()).rss;
      const started = performance.now();
      for (let w = 0; w < workers; w++) {
        const id = `idle-${w}`;
        await sleep(started + (w * takeHoldMs) / workers - performance.now());
        const state = { gantry: false, polling: false, pinged: false };
        loop(async () => {
          state.polling = true;
          try {
            if (await get(`/v2/${ENDPOINT}/job-take/${id}?gpu=none&job_in_progress=0`)) state.gantry = true;
          } finally {
            state.polling = false;
          }
        });
        loop(async () => {
          // The SDK polls job-stop only while it holds a job, once it knows it talks to Gantry.
          if (!runpodStyle && state.gantry) await runpodStyleStarts;
          else await get(`/v2/${ENDPOINT}/job-stop/${id}?gpu=none`);
        });
        loop(async () => {
          const quiet = !runpodStyle && state.pinged && state.gantry && state.polling;
          if (!quiet) {
            await get(`/v2/${ENDPOINT}/ping/${id}?gpu=none&runpod_version=bench`);
            state.pinged = true;
          }
          await sleep(pingMs, stop.signal);
        });
      }
      ctx.log(
        `  ${workers} workers connected over ${(takeHoldMs / 1000).toFixed(0)} s; measured windows of ${windowMs / 1000} s`,
      );
      const measure = (label: string) =>
        inRounds(ctx, label, async (_i, warmup) => {
          const before = await server.usage();
          const t = performance.now();
          // The warm-up (dropped) is one hold: the load is steady by then, so its rate is comparable, only noisier.
          await sleep(warmup ? takeHoldMs : windowMs);
          const after = await server.usage();
          const cpuPct = ((after.cpuMicros - before.cpuMicros) / 1000 / (performance.now() - t)) * 100;
          const perWorkerKb = (after.rss - idleRss) / workers / 1024;
          ctx.log(
            `  server CPU ${cpuPct.toFixed(2)} %, RSS ${(after.rss / MB).toFixed(0)} MB (${perWorkerKb.toFixed(0)} KB/worker)`,
          );
          return { cpuPct, perWorkerKb, rss: after.rss / MB };
        });
      const results = await measure("idle fleet, @gantry/worker");
      runpodStyle = true;
      startRunpodStyle();
      const pinging = await measure("idle fleet, RunPod-style pings");
      if (errors.length > 0) throw new Error(`idle workers hit errors: ${errors.slice(0, 3).join("; ")}`);
      const cpu = summarize(results.map((r) => r.cpuPct));
      const cpuPinging = summarize(pinging.map((r) => r.cpuPct));
      const rows: ResultRow[] = [
        {
          scenario: "6 idle fleet",
          metric: `server CPU, ${workers} idle workers`,
          unit: "% of a core",
          gantry: cpu,
          better: "lower",
          target: "< 2 %",
          met: cpu.median < 2,
          note: "simulated @gantry/worker workers (raw HTTP): a job-take long-poll each, no pings or job-stop while idle",
        },
        {
          scenario: "6 idle fleet",
          metric: `server CPU, ${workers} idle workers pinging every ${pingMs / 1000} s`,
          unit: "% of a core",
          gantry: cpuPinging,
          better: "lower",
          target: "reported",
          note: "RunPod-style, as Python runpod workers behave: job-take and job-stop long-polls, pings",
        },
        {
          scenario: "6 idle fleet",
          metric: "server RSS growth per idle worker",
          unit: "KB",
          gantry: summarize(results.map((r) => r.perWorkerKb)),
          better: "lower",
          target: "reported",
        },
        {
          scenario: "6 idle fleet",
          metric: `server RSS with ${workers} idle workers`,
          unit: "MB",
          gantry: summarize(results.map((r) => r.rss)),
          reference: "RSS before they connected",
          referenceValue: summarize([idleRss / MB]),
          better: "lower",
        },
      ];
      return rows;
    } finally {
      stop.abort();
      await Promise.all(loops);
      await agent.destroy();
      await server.close();
    }
  },
};
