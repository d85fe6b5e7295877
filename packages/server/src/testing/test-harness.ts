/**
 * Test helper: an Engine over a real SQLite file in a temp dir, with a fake clock.
 * Test support: lives in src/testing, which the package build excludes (it is never in dist).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EndpointConfigInput, resolveEndpoint } from "../domain/endpoint.js";
import type { JobRecord } from "../domain/job.js";
import { Engine, type EngineHooks, type EngineOptions } from "../engine/engine.js";
import { openSqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/store.js";

export const T0 = 1_700_000_000_000;

export interface Harness {
  engine: Engine;
  store: Store;
  dir: string;
  dbPath: string;
  now(): number;
  advance(ms: number): number;
  /** One sweep at the current fake time. */
  tick(): Promise<void>;
  terminal: JobRecord[];
  taken: JobRecord[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  endpoints?: EndpointConfigInput[];
  options?: EngineOptions;
  hooks?: EngineHooks;
  realClock?: boolean;
  dbPath?: string;
}

export async function createEngineForTests(o: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "gantry-engine-"));
  const dbPath = o.dbPath ?? join(dir, "gantry.db");
  const store = await openSqliteStore({ path: dbPath });
  let now = T0;
  const clock = o.realClock ? Date.now : () => now;
  const endpoints = new Map(
    (o.endpoints ?? [{ id: "ep" }]).map((e) => {
      const c = resolveEndpoint(e);
      return [c.id, c] as const;
    }),
  );
  const terminal: JobRecord[] = [];
  const taken: JobRecord[] = [];
  const engine = new Engine({
    store,
    endpoints,
    clock,
    options: { takeHoldMs: 10_000, stopHoldMs: 10_000, ...o.options },
    hooks: o.hooks ?? {
      onJobTerminal: (j) => terminal.push(j),
      onJobTaken: (j) => taken.push(j),
    },
  });
  return {
    engine,
    store,
    dir,
    dbPath,
    now: () => clock(),
    advance: (ms) => {
      now += ms;
      return now;
    },
    tick: () => engine.sweeper.tick(clock()),
    terminal,
    taken,
    close: async () => {
      await engine.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
