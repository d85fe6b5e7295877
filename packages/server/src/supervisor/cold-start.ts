/**
 * Cold-start figures of an endpoint: time from a worker's process start to its first job-take request,
 * i.e. the boot, imports and model loading a queued job waits through (and which its `delayTime` includes).
 */
import type { ColdStartView } from "@gantry/protocol";

/** What the admin API shows of an endpoint's cold starts (ms): its wire type. */
export type ColdStartSummary = ColdStartView;

/** Nearest-rank percentile of ascending `sorted` (non-empty), p in (0, 100]. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  const i = Math.min(sorted.length - 1, Math.max(0, rank - 1));
  return sorted[i] as number;
}

export class ColdStartStats {
  readonly #window: number;
  readonly #samples: number[] = [];
  #count = 0;

  /** Percentiles are taken over the latest `window` samples, so old boots stop skewing them. */
  constructor(window = 1000) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError("window must be a positive integer");
    this.#window = window;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.#samples.push(Math.round(ms));
    if (this.#samples.length > this.#window) this.#samples.shift();
    this.#count++;
  }

  summary(): ColdStartSummary {
    const out: ColdStartSummary = { count: this.#count };
    if (this.#samples.length === 0) return out;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    out.p50 = percentile(sorted, 50);
    out.p90 = percentile(sorted, 90);
    out.p98 = percentile(sorted, 98);
    out.last = this.#samples[this.#samples.length - 1] as number;
    return out;
  }
}
