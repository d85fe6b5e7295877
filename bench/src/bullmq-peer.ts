/**
 * The peer: BullMQ on the local Redis (127.0.0.1:6379). Every queue lives under a key prefix of its own
 * (`gantry-bench-<pid>`) and is obliterated afterwards, so the benchmark leaves nothing in Redis.
 */
import { type ChildProcess, fork } from "node:child_process";
import { connect } from "node:net";
import { Queue, QueueEvents } from "bullmq";
import { BULLMQ_WORKER, TSX_IMPORT } from "./paths.js";

export const REDIS = { host: "127.0.0.1", port: 6379 } as const;
const connection = { ...REDIS, maxRetriesPerRequest: null };

/** True when something answers on the Redis port (the peer's columns are skipped otherwise). */
export function redisAvailable(timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(REDIS.port, REDIS.host);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

let serial = 0;

export interface BullPeer {
  queue: Queue;
  prefix: string;
  name: string;
  /** Starts the no-op worker process; resolves once it is connected. */
  startWorker(concurrency: number): Promise<{ pid: number | undefined; stop(): Promise<void> }>;
  /** Redis's own CPU time so far (user + system of the server, µs), from `INFO cpu`. */
  redisCpuMicros(): Promise<number>;
  /** For add-to-completed waits (`job.waitUntilFinished`). */
  events(): Promise<QueueEvents>;
  completed(): Promise<number>;
  /** Obliterates the queue and closes every connection. */
  close(): Promise<void>;
}

export async function openBullPeer(): Promise<BullPeer> {
  const prefix = `gantry-bench-${process.pid}`;
  const name = `q${++serial}`;
  const queue = new Queue(name, { connection, prefix });
  await queue.waitUntilReady();
  const workers: ChildProcess[] = [];
  let queueEvents: QueueEvents | undefined;
  return {
    queue,
    prefix,
    name,
    async startWorker(concurrency) {
      const child = fork(BULLMQ_WORKER, [], {
        execArgv: ["--import", TSX_IMPORT],
        env: {
          ...process.env,
          BENCH_PREFIX: prefix,
          BENCH_QUEUE: name,
          BENCH_CONCURRENCY: String(concurrency),
        },
        stdio: ["ignore", "ignore", "inherit", "ipc"],
      });
      workers.push(child);
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      await new Promise<void>((resolve, reject) => {
        child.once("message", () => resolve());
        child.once("exit", (code) => reject(new Error(`bullmq worker exited (${code}) before it was ready`)));
      });
      return {
        pid: child.pid,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGTERM");
            const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
            await exited;
            clearTimeout(timer);
          }
        },
      };
    },
    async events() {
      if (!queueEvents) {
        queueEvents = new QueueEvents(name, { connection, prefix });
        await queueEvents.waitUntilReady();
      }
      return queueEvents;
    },
    completed: () => queue.getCompletedCount(),
    async redisCpuMicros() {
      // BullMQ types its client narrowly; it is an ioredis connection, whose `call` sends any command.
      const client = (await queue.client) as unknown as { call(...args: string[]): Promise<unknown> };
      const info = String(await client.call("INFO", "cpu"));
      const field = (name: string) =>
        Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
      return (field("used_cpu_user") + field("used_cpu_sys")) * 1e6;
    },
    async close() {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGKILL");
      await queueEvents?.close();
      await queue.obliterate({ force: true });
      await queue.close();
    },
  };
}
