/**
 * Logging standards: one line when a job starts, one when it completes (with its duration) or fails
 * (with the reason), details at DEBUG, all through the SDK logger so lines carry the job id and become
 * JSON lines (`{requestId, message, level}`) when the worker runs on the platform. Failures are logged and
 * then re-thrown, so the SDK still reports them as the job's error.
 * Choose the level with `RUNPOD_LOG_LEVEL` or `--rp_log_level` (NOTSET, TRACE, DEBUG, INFO, WARN, ERROR).
 *
 * The work: descriptive statistics of `input.numbers`.
 */
import { type HandlerContext, type Job, start } from "@gantry/worker";

interface StatsInput {
  numbers?: unknown;
}

function describe(numbers: unknown) {
  if (!Array.isArray(numbers) || numbers.length === 0)
    throw new TypeError("numbers must be a non-empty array");
  if (!numbers.every((n) => typeof n === "number" && Number.isFinite(n))) {
    throw new TypeError("numbers must contain only finite numbers");
  }
  const sorted = [...(numbers as number[])].sort((a, b) => a - b);
  const count = sorted.length;
  const mean = sorted.reduce((a, b) => a + b, 0) / count;
  const middle = Math.floor(count / 2);
  const median = count % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  const stddev = Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / count);
  return { count, mean, median, stddev, min: sorted[0]!, max: sorted[count - 1]! };
}

function handler(job: Job<StatsInput>, ctx: HandlerContext) {
  const jobId = job.id;
  const started = performance.now();
  ctx.log.info(`Job started: ${jobId}`);

  try {
    ctx.log.debug(`Input has ${Array.isArray(job.input.numbers) ? job.input.numbers.length : 0} numbers`);
    const result = describe(job.input.numbers);
    const duration = (performance.now() - started) / 1000;
    ctx.log.info(`Job completed: ${jobId} in ${duration.toFixed(2)}s`);
    return result;
  } catch (err) {
    ctx.log.error(`Job failed: ${jobId} - ${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
}

start({ handler });
