/** Order statistics of samples, and the median-of-rounds summary every table cell shows. */

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** Number of rounds (or samples) summarised. */
  n: number;
}

/** Nearest-rank percentile of `values` (any order), p in [0, 100]. NaN for an empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return percentileSorted(sorted, p);
}

export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  const i = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[i] as number;
}

export function summarize(values: readonly number[]): Summary {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const sorted = [...finite].sort((a, b) => a - b);
  return {
    median: percentileSorted(sorted, 50),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
    n: sorted.length,
  };
}

export interface Percentiles {
  p50: number;
  p99: number;
}

/** p50/p99 of one round's latency samples. */
export function latencyPercentiles(samples: readonly number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentileSorted(sorted, 50), p99: percentileSorted(sorted, 99) };
}
