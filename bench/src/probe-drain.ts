/**
 * Probe (not a scenario): drains a pre-filled queue with one real @gantry/worker process and reports the
 * server and worker CPU per job: `node --import tsx bench/src/probe-drain.ts <concurrency> <jobs> [--profile DIR]`.
 */
import { API_KEY, ENDPOINT, startGantryServer } from "./gantry-server.js";
import { startNoopWorker } from "./gantry-worker.js";
import { callJson, pool } from "./http.js";
import { processCpuMicros } from "./proc-cpu.js";

const conc = Number(process.argv[2] ?? 16);
const n = Number(process.argv[3] ?? 5000);
const profIdx = process.argv.indexOf("--profile");
const server = await startGantryServer(profIdx > 0 ? { cpuProfileDir: process.argv[profIdx + 1] } : {});
const client = pool(server.url, 4);
const completed = async () =>
  (
    await callJson<{ jobs: { completed: number } }>(client, "GET", `/v2/${ENDPOINT}/health`, {
      auth: API_KEY,
    })
  ).body.jobs.completed;
await server.fill(ENDPOINT, n);
const c0 = (await server.usage()).cpuMicros;
const t0 = performance.now();
const worker = startNoopWorker(server.publicUrl, conc);
while ((await completed()) < n) await new Promise((r) => setTimeout(r, 50));
const ms = performance.now() - t0;
const cpu = (await server.usage()).cpuMicros - c0;
// Its boot included: the worker started with the measured window.
const workerCpu = processCpuMicros(worker.child.pid) ?? Number.NaN;
console.log(
  `drain c=${conc}: ${((n / ms) * 1000).toFixed(0)} jobs/s, server CPU ${(cpu / n).toFixed(0)} µs/job, ` +
    `worker CPU ${(workerCpu / n).toFixed(0)} µs/job (its start-up included; Linux only)`,
);
await worker.stop();
await client.close();
await server.close();
