import { describe, expect, it } from "vitest";
import { outputOf, runExample } from "../test-helpers.js";

interface MemoryOutput {
  stats: { mean: number; stddev: number; min: number; max: number; smoothed_max: number };
  memory: {
    before_mb: number;
    peak_mb: number;
    after_mb: number;
    freed_mb: number;
    gc_ran: boolean;
    jobs_holding_buffers: number;
  };
}

// 2,000,000 samples × 8 bytes × 2 buffers ≈ 30.5 MB held at the peak.
const BUFFERS_MB = (2_000_000 * 8 * 2) / 1024 / 1024;

describe("memory-cleanup example", () => {
  it("frees the job's buffers after the job when GC is exposed", async () => {
    const run = await runExample("memory-cleanup", { nodeArgs: ["--expose-gc"] });
    expect(run.code).toBe(0);
    const { stats, memory } = outputOf<MemoryOutput>(run);

    // The signal is a sine (amplitude 1) plus noise in ±0.25.
    expect(Math.abs(stats.mean)).toBeLessThan(0.05);
    expect(stats.max).toBeLessThanOrEqual(1.25);
    expect(stats.min).toBeGreaterThanOrEqual(-1.25);
    expect(stats.smoothed_max).toBeLessThan(stats.max);

    expect(memory.gc_ran).toBe(true);
    expect(memory.jobs_holding_buffers).toBe(0);
    expect(memory.peak_mb - memory.before_mb).toBeGreaterThan(BUFFERS_MB * 0.9);
    expect(memory.freed_mb).toBeGreaterThan(BUFFERS_MB * 0.8);
    expect(memory.after_mb).toBeLessThan(memory.before_mb + BUFFERS_MB * 0.2);
  });

  it("still releases the registry entry without --expose-gc", async () => {
    const run = await runExample("memory-cleanup", { testInput: { input: { samples: 1000, seed: 3 } } });
    expect(run.code).toBe(0);
    const { memory } = outputOf<MemoryOutput>(run);
    expect(memory.gc_ran).toBe(false);
    expect(memory.jobs_holding_buffers).toBe(0);
  });

  it("is deterministic for a seed", async () => {
    const input = { input: { samples: 5000, window: 10, seed: 42 } };
    const [a, b] = await Promise.all([
      runExample("memory-cleanup", { testInput: input }),
      runExample("memory-cleanup", { testInput: input }),
    ]);
    expect(outputOf<MemoryOutput>(a).stats).toEqual(outputOf<MemoryOutput>(b).stats);
  });

  it("rejects a sample count over the limit", async () => {
    const run = await runExample("memory-cleanup", { testInput: { input: { samples: 1e12 } } });
    expect(run.code).toBe(1);
    expect(run.failure).toBe("samples must be an integer between 1 and 20000000");
  });
});
