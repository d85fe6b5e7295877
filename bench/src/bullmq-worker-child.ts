/**
 * The BullMQ peer's worker, in its own process like Gantry's worker: a no-op processor at the given
 * concurrency. Environment: BENCH_PREFIX, BENCH_QUEUE, BENCH_CONCURRENCY. Says "ready" over IPC.
 */
import { Worker } from "bullmq";

const prefix = process.env.BENCH_PREFIX;
const queue = process.env.BENCH_QUEUE;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? "1");
if (!prefix || !queue || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error(
    "bullmq-worker-child: BENCH_PREFIX, BENCH_QUEUE and a positive BENCH_CONCURRENCY are required",
  );
  process.exit(2);
}

const worker = new Worker(queue, async () => ({ ok: true }), {
  connection: { host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null },
  prefix,
  concurrency,
});
worker.on("error", (err) => console.error(`bullmq worker: ${err.message}`));
await worker.waitUntilReady();
process.send?.("ready");

const stop = (): void => {
  void worker.close().finally(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("disconnect", stop);
