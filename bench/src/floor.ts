/**
 * The physical floor: a bare `node:http` server answering a small JSON body, measured on the spot with the
 * same undici client, so "added time" and "× floor" compare like with like on this machine, now. The echo
 * server runs in its own process, as Gantry's server does: a round trip within one process needs no wake-up of
 * another, and read 0.06–0.12 ms at p50 here against 0.14–0.16 ms across two (an unfairly low floor).
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { boundedParallel, callJson, pool } from "./http.js";
import { processCpuMicros } from "./proc-cpu.js";
import { latencyPercentiles } from "./stats.js";

const ECHO_CHILD = fileURLToPath(new URL("./echo-child.mjs", import.meta.url));

export interface EchoServer {
  url: string;
  pid: number | undefined;
  close(): Promise<void>;
}

export async function startEchoServer(): Promise<EchoServer> {
  // Bare node: none of the parent's loaders (tsx) in the floor's process.
  const child = fork(ECHO_CHILD, [], { execArgv: [], stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { port?: number }) =>
      typeof m?.port === "number" ? resolve(m.port) : reject(new Error("echo server sent no port")),
    );
    child.once("exit", (code) => reject(new Error(`echo server exited (${code}) before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}

/** `count` sequential POST round trips of a small JSON body: p50/p99 in ms. */
export async function measureFloorRtt(count: number): Promise<{ p50: number; p99: number }> {
  const echo = await startEchoServer();
  const client = pool(echo.url, 1);
  try {
    const samples: number[] = [];
    for (let i = 0; i < count + 50; i++) {
      const t = performance.now();
      const r = await callJson(client, "POST", "/echo", { body: { input: {} } });
      if (r.status !== 200) throw new Error(`echo answered ${r.status}`);
      if (i >= 50) samples.push(performance.now() - t);
    }
    return latencyPercentiles(samples);
  } finally {
    await client.close();
    await echo.close();
  }
}

export interface FloorRate {
  /** Exchanges per second. */
  rate: number;
  /** CPU of both ends (this process's client and the echo server) per exchange, ms; NaN off Linux. */
  cpuMsPerExchange: number;
}

/**
 * Bare HTTP exchanges per second with `inFlight` of them open at once: the ceiling of any design that spends one
 * HTTP exchange per job. One at a time it bounds a worker at concurrency 1, which must post each result (and
 * take the next job) before it may hold another; at 32 in flight it bounds the submissions alone.
 */
export async function measureFloorRate(count: number, inFlight: number): Promise<FloorRate> {
  const echo = await startEchoServer();
  const client = pool(echo.url, inFlight);
  const exchange = async () => {
    const r = await callJson(client, "POST", "/run", { body: { input: {} } });
    if (r.status !== 200) throw new Error(`echo answered ${r.status}`);
  };
  try {
    await boundedParallel(Math.min(500, count), inFlight, exchange);
    const echoBefore = processCpuMicros(echo.pid) ?? Number.NaN;
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    await boundedParallel(count, inFlight, exchange);
    const rate = (count / (performance.now() - started)) * 1000;
    const own = process.cpuUsage(clientBefore);
    const echoMicros = (processCpuMicros(echo.pid) ?? Number.NaN) - echoBefore;
    return { rate, cpuMsPerExchange: (echoMicros + own.user + own.system) / 1000 / count };
  } finally {
    await client.close();
    await echo.close();
  }
}
