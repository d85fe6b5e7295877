/**
 * Probe (not a scenario): server CPU per request kind, each measured alone against a fresh server.
 *   node --import tsx bench/src/probe-costs.ts [runs] [--profile DIR]
 */
import { API_KEY, ENDPOINT, startGantryServer, WORKER_SECRET } from "./gantry-server.js";
import { boundedParallel, callJson, pool } from "./http.js";

const n = Number(process.argv[2] ?? 10000);
const profIdx = process.argv.indexOf("--profile");
const cpuProfileDir = profIdx > 0 ? process.argv[profIdx + 1] : undefined;
const phase = process.argv.includes("--run-only")
  ? "run"
  : process.argv.includes("--take-only")
    ? "take"
    : "both";

const server = await startGantryServer(cpuProfileDir ? { cpuProfileDir } : {});
const client = pool(server.url, 40);
try {
  if (phase !== "take") {
    await boundedParallel(500, 32, async () => {
      await callJson(client, "POST", `/v2/${ENDPOINT}/run`, { body: { input: {} }, auth: API_KEY });
    });
    const c0 = (await server.usage()).cpuMicros;
    const t0 = performance.now();
    await boundedParallel(n, 32, async () => {
      const r = await callJson(client, "POST", `/v2/${ENDPOINT}/run`, { body: { input: {} }, auth: API_KEY });
      if (r.status !== 200) throw new Error(String(r.status));
    });
    const ms = performance.now() - t0;
    const cpu = (await server.usage()).cpuMicros - c0;
    console.log(`/run: ${((n / ms) * 1000).toFixed(0)}/s, server CPU ${(cpu / n).toFixed(1)} µs per request`);
  }
  if (phase !== "run") {
    if (phase === "take") await server.fill(ENDPOINT, n + 500);
    const headers = { authorization: WORKER_SECRET };
    const cycle = async (lane: number) => {
      const w = `w${lane % 16}`;
      const r = await callJson<{ id: string }>(
        client,
        "GET",
        `/v2/${ENDPOINT}/job-take/${w}?gpu=none&job_in_progress=0`,
        { headers },
      );
      if (r.status !== 200) throw new Error(`take ${r.status}`);
      const d = await callJson(client, "POST", `/v2/${ENDPOINT}/job-done/${w}/${r.body.id}?gpu=none`, {
        headers,
        body: { output: {} },
      });
      if (d.status !== 200) throw new Error(`done ${d.status}`);
    };
    await boundedParallel(400, 16, cycle);
    const c0 = (await server.usage()).cpuMicros;
    const t0 = performance.now();
    await boundedParallel(n, 16, cycle);
    const ms = performance.now() - t0;
    const cpu = (await server.usage()).cpuMicros - c0;
    console.log(
      `take+done (16 lanes): ${((n / ms) * 1000).toFixed(0)} jobs/s, server CPU ${(cpu / n).toFixed(1)} µs per job`,
    );
  }
} finally {
  await client.close();
  await server.close();
}
