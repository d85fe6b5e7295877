/**
 * Scenario 3: a generator yielding small chunks, each stamped at `yield`; the time until it reaches a client
 * over server-sent events and over RunPod's draining `/stream` long-poll, and the server's CPU time per 1,000
 * chunks either way (it includes receiving each chunk's job-stream post from the worker). The worker runs
 * in-process on the real SDK runtime so the stamp and the arrival are read from one clock; the generator
 * starts only once the client is listening, so no chunk is replayed from the backlog.
 */

import { workerEnv } from "@gantry/server";
import { createWorkerRuntime, type HandlerContext, type Job, Logger } from "@gantry/worker";
import { measureFloorRtt } from "../floor.js";
import { API_KEY, ENDPOINT, serverOptions, startGantryServer, WORKER_SECRET } from "../gantry-server.js";
import { callJson, pool } from "../http.js";
import { inRounds, type ResultRow, ratios, type Scenario } from "../scenario.js";
import { latencyPercentiles, summarize } from "../stats.js";

interface Chunk {
  i: number;
  t: number;
}

type Way = "sse" | "poll";

export const streaming: Scenario = {
  name: "streaming",
  title: "Streaming: yield → client over SSE and over /stream polling",
  async run(ctx) {
    const chunks = ctx.smoke ? 200 : 10_000;
    const server = await startGantryServer(serverOptions(ctx));
    const client = pool(server.url, 4);
    const gates = new Map<string, () => void>();
    const opened = new Map<string, Promise<void>>();
    const gateFor = (id: string): Promise<void> => {
      let p = opened.get(id);
      if (!p) {
        p = new Promise<void>((resolve) => gates.set(id, resolve));
        opened.set(id, p);
      }
      return p;
    };
    const open = (id: string) => {
      void gateFor(id);
      gates.get(id)?.();
    };
    async function* handler(job: Job<{ n: number }>, _ctx: HandlerContext): AsyncGenerator<Chunk> {
      await gateFor(job.id);
      for (let i = 0; i < job.input.n; i++) yield { i, t: performance.now() };
    }
    const runtime = createWorkerRuntime({
      config: { handler, returnAggregateStream: false, refreshWorker: false },
      env: {
        ...workerEnv({
          publicUrl: server.publicUrl,
          endpointId: ENDPOINT,
          workerId: "bench-streamer",
          workerSecret: WORKER_SECRET,
        }),
      },
      logger: new Logger({ write: () => {}, level: "ERROR" }),
      fitnessChecks: [],
    });
    const running = runtime.run();

    const submit = async (n: number): Promise<string> => {
      const r = await callJson<{ id: string }>(client, "POST", `/v2/${ENDPOINT}/run`, {
        body: { input: { n } },
        auth: API_KEY,
      });
      if (r.status !== 200) throw new Error(`/run answered ${r.status}`);
      return r.body.id;
    };

    const viaSse = async (id: string, n: number): Promise<number[]> => {
      const res = await client.request({
        method: "GET",
        path: `/v2/${ENDPOINT}/stream/${id}`,
        headers: { accept: "text/event-stream", authorization: `Bearer ${API_KEY}` },
      });
      if (res.statusCode !== 200) throw new Error(`SSE answered ${res.statusCode}`);
      const delays: number[] = [];
      let buffer = "";
      let done = false;
      open(id);
      for await (const part of res.body) {
        const now = performance.now();
        buffer += (part as Buffer).toString("utf8");
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event === "chunk" && data) delays.push(now - (JSON.parse(data).output as Chunk).t);
          if (event === "status" && data && /"status":"(COMPLETED|FAILED|CANCELLED|TIMED_OUT)"/.test(data))
            done = true;
        }
      }
      if (!done || delays.length !== n) throw new Error(`SSE delivered ${delays.length}/${n} chunks`);
      return delays;
    };

    const viaPoll = async (id: string, n: number): Promise<number[]> => {
      const delays: number[] = [];
      let first = true;
      for (;;) {
        const pending = callJson<{ status: string; stream: { output: Chunk }[] }>(
          client,
          "POST",
          `/v2/${ENDPOINT}/stream/${id}?wait=10000`,
          { auth: API_KEY },
        );
        if (first) {
          // The first poll is on its way; only now may the generator start.
          first = false;
          setImmediate(() => open(id));
        }
        const r = await pending;
        const now = performance.now();
        if (r.status !== 200) throw new Error(`/stream answered ${r.status}`);
        for (const c of r.body.stream) delays.push(now - c.output.t);
        if (["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"].includes(r.body.status)) break;
      }
      if (delays.length !== n) throw new Error(`/stream delivered ${delays.length}/${n} chunks`);
      return delays;
    };

    const measure = async (way: Way, n: number) => {
      const id = await submit(n);
      const before = await server.usage();
      const delays = way === "sse" ? await viaSse(id, n) : await viaPoll(id, n);
      const after = await server.usage();
      return {
        ...latencyPercentiles(delays),
        cpuPer1000: (after.cpuMicros - before.cpuMicros) / 1000 / (n / 1000),
      };
    };

    try {
      const results = await inRounds(ctx, "streaming", async (_i, warmup) => {
        const n = warmup ? Math.min(500, chunks) : chunks;
        const sse = await measure("sse", n);
        const poll = await measure("poll", n);
        const floor = await measureFloorRtt(Math.min(n, 1000));
        ctx.log(
          `  sse p50 ${sse.p50.toFixed(2)} ms, ${sse.cpuPer1000.toFixed(0)} ms CPU/1k | poll p50 ${poll.p50.toFixed(2)} ms, ${poll.cpuPer1000.toFixed(0)} ms CPU/1k | floor ${floor.p50.toFixed(3)} ms`,
        );
        return { sse, poll, floor };
      });
      const floorP50 = results.map((r) => r.floor.p50);
      const rows: ResultRow[] = [];
      for (const way of ["sse", "poll"] as const) {
        const label = way === "sse" ? "SSE" : "/stream polling";
        for (const k of ["p50", "p99"] as const) {
          const v = results.map((r) => r[way][k]);
          rows.push({
            scenario: "3 streaming",
            metric: `${label} yield→client ${k}`,
            unit: "ms",
            gantry: summarize(v),
            reference: "floor p50 (node:http RTT)",
            referenceValue: summarize(floorP50),
            ratio: summarize(ratios(v, floorP50)),
            better: "lower",
            ...(way === "sse" && k === "p50" ? { target: "≤ 1 ms", met: summarize(v).median <= 1 } : {}),
          });
        }
        rows.push({
          scenario: "3 streaming",
          metric: `${label} server CPU per 1,000 chunks`,
          unit: "ms",
          gantry: summarize(results.map((r) => r[way].cpuPer1000)),
          better: "lower",
          target: "reported",
          note: "includes receiving the job-stream posts",
        });
      }
      return rows;
    } finally {
      runtime.shutdown("benchmark done");
      await running;
      await client.close();
      await server.close();
    }
  },
};
