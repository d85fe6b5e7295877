/** What a scenario is, what it reports, and the round loop they all share. */
import type { BenchStore } from "./bench-store.js";
import type { Summary } from "./stats.js";

export type Better = "higher" | "lower";

/** One line of the results table. Ratios are per round (Gantry ÷ reference), then summarised. */
export interface ResultRow {
  scenario: string;
  metric: string;
  unit: string;
  gantry: Summary;
  /** `BullMQ`, `floor` (bare node:http on loopback), `empty queue`… */
  reference?: string;
  referenceValue?: Summary;
  ratio?: Summary;
  better: Better;
  /** Target in words, e.g. `≥ 1× BullMQ`. */
  target?: string;
  met?: boolean;
  note?: string;
}

export interface ScenarioContext {
  smoke: boolean;
  /** Measured rounds (after one warm-up). */
  rounds: number;
  /** Overrides the scenario's job count (`--jobs N`). */
  jobs?: number;
  /** BullMQ columns are measured only when Redis answers. */
  peer: boolean;
  /** The store of the Gantry servers under test (`--store`). */
  store: BenchStore;
  /** When set, the server is started with `--cpu-prof` writing here. */
  cpuProfileDir?: string;
  log(message: string): void;
}

export interface Scenario {
  name: string;
  title: string;
  run(ctx: ScenarioContext): Promise<ResultRow[]>;
}

/** Runs one warm-up (its result dropped) and then `ctx.rounds` measured rounds. */
export async function inRounds<T>(
  ctx: ScenarioContext,
  what: string,
  round: (index: number, warmup: boolean) => Promise<T>,
): Promise<T[]> {
  ctx.log(`${what}: warm-up`);
  await round(0, true);
  const out: T[] = [];
  for (let i = 1; i <= ctx.rounds; i++) {
    ctx.log(`${what}: round ${i}/${ctx.rounds}`);
    out.push(await round(i, false));
  }
  return out;
}

/** Per-round ratios a[i] / b[i]. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((v, i) => v / (b[i] ?? Number.NaN));
}
