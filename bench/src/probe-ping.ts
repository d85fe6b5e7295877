/**
 * Probe (not a scenario): server CPU per idle `ping` (no job ids) from many workers, each on its own connection:
 * `node --import tsx bench/src/probe-ping.ts [pings] [--profile DIR]`.
 */
import { Agent, request } from "undici";
import { ENDPOINT, startGantryServer, WORKER_SECRET } from "./gantry-server.js";

const n = Number(process.argv[2] ?? 20000);
const profIdx = process.argv.indexOf("--profile");
const server = await startGantryServer(
  profIdx > 0 ? { cpuProfileDir: process.argv[profIdx + 1] as string } : {},
);
const agent = new Agent({ connections: 1 });
const workers = 200;
const ping = async (w: number) => {
  const r = await request(`${server.publicUrl}/v2/${ENDPOINT}/ping/w${w}?gpu=none&runpod_version=1.7.0`, {
    dispatcher: agent,
    headers: { authorization: WORKER_SECRET },
  });
  await r.body.text();
  if (r.statusCode !== 200) throw new Error(`ping ${r.statusCode}`);
};
// One connection per worker, as in a fleet: 200 pools of one connection each.
const pools = Array.from({ length: workers }, () => new Agent({ connections: 1 }));
const pingOn = async (w: number) => {
  const r = await request(`${server.publicUrl}/v2/${ENDPOINT}/ping/w${w}?gpu=none&runpod_version=1.7.0`, {
    dispatcher: pools[w] as Agent,
    headers: { authorization: WORKER_SECRET },
  });
  await r.body.text();
};
await ping(0);
for (let w = 0; w < workers; w++) await pingOn(w);
const c0 = (await server.usage()).cpuMicros;
const t0 = performance.now();
let i = 0;
await Promise.all(
  Array.from({ length: workers }, async (_, w) => {
    while (i++ < n) await pingOn(w);
  }),
);
const ms = performance.now() - t0;
const cpu = (await server.usage()).cpuMicros - c0;
console.log(
  `ping x${n} over ${workers} connections: ${((n / ms) * 1000).toFixed(0)}/s, server CPU ${(cpu / n).toFixed(1)} µs per ping`,
);
await Promise.all([agent.close(), ...pools.map((p) => p.close())]);
await server.close();
