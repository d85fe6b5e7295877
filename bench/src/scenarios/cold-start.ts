/**
 * Scenario 4: the first job on an endpoint scaled to zero. The server's own supervisor and local process
 * provider start the no-op TypeScript worker; the worker stamps its process origin, script start, SDK import
 * and first handler call into a file. Each round is a fresh server, so the endpoint really is at zero. The
 * floor is a bare `node -e` process started on the spot (spawn → first statement).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wallNow } from "../clock.js";
import { API_KEY, benchEndpoint, ENDPOINT, serverOptions, startGantryServer } from "../gantry-server.js";
import { callJson, pool } from "../http.js";
import { NOOP_WORKER } from "../paths.js";
import { inRounds, type ResultRow, ratios, type Scenario } from "../scenario.js";
import { summarize } from "../stats.js";

interface Marks {
  processStart: number;
  scriptStart: number;
  imported: number;
  handlerStart: number;
}

/** Spawn → first statement of a bare Node process. */
async function bareNodeStart(): Promise<number> {
  const t = wallNow();
  const child = spawn(
    process.execPath,
    ["-e", "process.stdout.write(String(performance.timeOrigin + performance.now()))"],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  await new Promise<void>((resolve) => child.once("close", () => resolve()));
  return Number(out) - t;
}

export const coldStart: Scenario = {
  name: "cold-start",
  title: "Cold start: run → handler start on an endpoint scaled to zero",
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), "gantry-bench-cold-"));
    try {
      const results = await inRounds(ctx, "cold start", async (i) => {
        const marksFile = join(dir, `marks-${i}.jsonl`);
        const server = await startGantryServer(
          serverOptions(ctx, {
            endpoints: [
              benchEndpoint({
                scaling: { workersMin: 0, workersMax: 1 },
                worker: {
                  command: [process.execPath, NOOP_WORKER],
                  env: { BENCH_MARKS: marksFile, RUNPOD_LOG_LEVEL: "WARN" },
                },
              }),
            ],
          }),
        );
        const client = pool(server.url, 2);
        try {
          const runAt = wallNow();
          const r = await callJson<{ id: string }>(client, "POST", `/v2/${ENDPOINT}/run`, {
            body: { input: {} },
            auth: API_KEY,
          });
          if (r.status !== 200) throw new Error(`/run answered ${r.status}`);
          const done = await callJson<{ status: string }>(
            client,
            "GET",
            `/v2/${ENDPOINT}/status-sync/${r.body.id}?wait=60000`,
            { auth: API_KEY },
          );
          if (done.body.status !== "COMPLETED") throw new Error(`cold-start job ended ${done.body.status}`);
          const m = JSON.parse(readFileSync(marksFile, "utf8").split("\n")[0] ?? "") as Marks;
          const floor = await bareNodeStart();
          const out = {
            total: m.handlerStart - runAt,
            schedule: m.processStart - runAt,
            boot: m.scriptStart - m.processStart,
            sdkImport: m.imported - m.scriptStart,
            firstTake: m.handlerStart - m.imported,
            floor,
          };
          ctx.log(
            `  ${Object.entries(out)
              .map(([k, v]) => `${k} ${v.toFixed(0)}`)
              .join(", ")} ms`,
          );
          return out;
        } finally {
          await client.close();
          await server.close();
        }
      });
      const col = (k: keyof (typeof results)[number]) => results.map((r) => r[k]);
      const floor = col("floor");
      const rows: ResultRow[] = [
        {
          scenario: "4 cold start",
          metric: "run → handler start",
          unit: "ms",
          gantry: summarize(col("total")),
          reference: "floor: bare node process start",
          referenceValue: summarize(floor),
          ratio: summarize(ratios(col("total"), floor)),
          better: "lower",
          target: "≤ 300 ms",
          met: summarize(col("total")).median <= 300,
        },
      ];
      const parts: [keyof (typeof results)[number], string][] = [
        ["schedule", "↳ run → worker process exists (supervisor tick + spawn)"],
        ["boot", "↳ process start → worker script runs (Node boot)"],
        ["sdkImport", "↳ import @gantry/worker"],
        ["firstTake", "↳ SDK ready → handler (first job-take)"],
      ];
      for (const [k, label] of parts)
        rows.push({
          scenario: "4 cold start",
          metric: label,
          unit: "ms",
          gantry: summarize(col(k)),
          better: "lower",
        });
      return rows;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
