// temporary probe (perf-server); removed before hand-off
import { API_KEY, ENDPOINT, startGantryServer } from "./.perf-gantry-server.js";
import { startNoopWorker } from "./gantry-worker.js";
import { boundedParallel, callJson, pool } from "./http.js";

const jobs = Number(process.argv[2] ?? 3000);
const conc = Number(process.argv[3] ?? 16);
const server = await startGantryServer({});
const client = pool(server.url, 40);
const worker = startNoopWorker(server.publicUrl, conc);
const completed = async () =>
  (
    await callJson<{ jobs: { completed: number } }>(client, "GET", `/v2/${ENDPOINT}/health`, {
      auth: API_KEY,
    })
  ).body.jobs.completed;
const submit = async () => {
  const r = await callJson(client, "POST", `/v2/${ENDPOINT}/run`, { body: { input: {} }, auth: API_KEY });
  if (r.status !== 200) throw new Error(String(r.status));
};
await boundedParallel(200, 8, submit);
while ((await completed()) < 200) await new Promise((r) => setTimeout(r, 100));
const u0 = await server.usage();
const t0 = performance.now();
await boundedParallel(jobs, 32, submit);
while ((await completed()) < 200 + jobs) await new Promise((r) => setTimeout(r, 100));
const ms = performance.now() - t0;
const u1 = await server.usage();
console.log(
  `jobs ${jobs} c=${conc}: ${((jobs / ms) * 1000).toFixed(0)} jobs/s, server CPU ${((u1.cpuMicros - u0.cpuMicros) / jobs).toFixed(0)} µs/job`,
);
await worker.stop();
await client.close();
await server.close();
