/**
 * Memory clean-up after each job: per-job buffers live in a registry keyed by job id (the way stages of a
 * pipeline share them), and a `finally` block removes them whether the job succeeds or fails — otherwise a
 * long-lived worker keeps every job's buffers and grows until it is killed. If the process was started with
 * `node --expose-gc`, a full collection runs after each job so the reported numbers show the memory returned.
 *
 * The work: synthesise a noisy signal of `samples` points, smooth it with a moving average of `window` points
 * and return summary statistics, plus heap/array-buffer usage before, at the peak and after clean-up.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { type Job, start } from "@gantry/worker";

interface SignalInput {
  samples?: unknown;
  window?: unknown;
  seed?: unknown;
}

interface JobBuffers {
  signal: Float64Array;
  smoothed: Float64Array;
}

const MAX_SAMPLES = 20_000_000;

/** Per-job buffers, shared by the stages of one job. Entries must not outlive their job. */
const buffersByJob = new Map<string, JobBuffers>();

const megabytes = (bytes: number) => Math.round((bytes / 1024 / 1024) * 100) / 100;
function memoryInUse(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/**
 * Runs a full GC when node was started with --expose-gc; returns whether it did. The second pass, after a
 * turn of the event loop, catches buffers still referenced from the stack of the first one.
 */
async function collectGarbage(): Promise<boolean> {
  const gc = globalThis.gc;
  if (typeof gc !== "function") return false;
  gc();
  await nextTurn();
  gc();
  return true;
}

function synthesise(buffers: JobBuffers, seed: number): void {
  // Linear congruential noise: deterministic for a seed, cheap, and fills the whole buffer.
  let state = seed >>> 0;
  const { signal } = buffers;
  for (let i = 0; i < signal.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    signal[i] = Math.sin(i / 50) + (state / 0x100000000 - 0.5) * 0.5;
  }
}

function smooth(buffers: JobBuffers, window: number): void {
  const { signal, smoothed } = buffers;
  let sum = 0;
  for (let i = 0; i < signal.length; i++) {
    sum += signal[i]!;
    if (i >= window) sum -= signal[i - window]!;
    smoothed[i] = sum / Math.min(i + 1, window);
  }
}

function summarise({ signal, smoothed }: JobBuffers) {
  let mean = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of signal) {
    mean += v / signal.length;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let variance = 0;
  for (const v of signal) variance += (v - mean) ** 2 / signal.length;
  const smoothedMax = smoothed.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    mean: round(mean),
    stddev: round(Math.sqrt(variance)),
    min: round(min),
    max: round(max),
    smoothed_max: round(smoothedMax),
  };
}

/**
 * The job's stages. Kept in its own function so no local variable of the handler still points at the
 * buffers once it returns (a live stack slot would keep them reachable).
 */
function runPipeline(jobId: string, samples: number, window: number, seed: number) {
  const buffers: JobBuffers = { signal: new Float64Array(samples), smoothed: new Float64Array(samples) };
  buffersByJob.set(jobId, buffers);
  synthesise(buffers, seed);
  smooth(buffers, window);
  const peak = memoryInUse();
  return { stats: summarise(buffers), peak };
}

async function handler(job: Job<SignalInput>) {
  const { samples = 1_000_000, window = 25, seed = 1 } = job.input;
  if (typeof samples !== "number" || !Number.isInteger(samples) || samples < 1 || samples > MAX_SAMPLES) {
    return { error: `samples must be an integer between 1 and ${MAX_SAMPLES}` };
  }
  if (typeof window !== "number" || !Number.isInteger(window) || window < 1) {
    return { error: "window must be a positive integer" };
  }
  if (typeof seed !== "number" || !Number.isInteger(seed)) return { error: "seed must be an integer" };

  // Baseline after a collection (when available), so earlier garbage does not blur the numbers.
  await collectGarbage();
  const before = memoryInUse();
  let outcome: ReturnType<typeof runPipeline>;
  let gcRan = false;
  try {
    outcome = runPipeline(job.id, samples, window, seed);
  } finally {
    // Runs on success and on failure: drop this job's buffers so they can be reclaimed.
    buffersByJob.delete(job.id);
    gcRan = await collectGarbage();
  }
  const after = memoryInUse();

  return {
    stats: outcome.stats,
    memory: {
      before_mb: megabytes(before),
      peak_mb: megabytes(outcome.peak),
      after_mb: megabytes(after),
      freed_mb: megabytes(outcome.peak - after),
      gc_ran: gcRan,
      jobs_holding_buffers: buffersByJob.size,
    },
  };
}

start({ handler });
