import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveEndpoint } from "../domain/endpoint.js";
import { Engine } from "../engine/engine.js";
import { openSqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/store.js";
import { engineHost } from "./engine-host.js";

let dir: string;
let store: Store;
let engine: Engine;
let now = 1_000_000;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "gantry-host-"));
  store = await openSqliteStore({ path: join(dir, "gantry.db") });
  const ep = resolveEndpoint({ id: "ep" });
  engine = new Engine({ store, endpoints: new Map([["ep", ep]]), clock: () => now });
});
afterEach(async () => {
  await engine.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("engineHost", () => {
  it("splits the queue by priority and reports the oldest normal-priority submission", async () => {
    const host = engineHost(engine);
    expect(await host.queueStats("ep")).toEqual({ inQueue: 0, inQueueLow: 0, inProgress: 0 });
    await engine.submit({ endpointId: "ep", input: 1, sync: false, policy: { lowPriority: true } });
    now += 1_000;
    await engine.submit({ endpointId: "ep", input: 2, sync: false });
    now += 1_000;
    await engine.submit({ endpointId: "ep", input: 3, sync: false });
    expect(await host.queueStats("ep")).toEqual({
      inQueue: 2,
      inQueueLow: 1,
      inProgress: 0,
      oldestQueuedAt: 1_001_000,
    });
    const [taken] = await engine.take("ep", "w1", 1, 0);
    expect(taken?.input).toBe(2);
    expect(await host.queueStats("ep")).toEqual({
      inQueue: 1,
      inQueueLow: 1,
      inProgress: 1,
      oldestQueuedAt: 1_002_000,
    });
    expect(await host.jobState("ep", taken!.id)).toEqual({ status: "IN_PROGRESS", workerId: "w1" });
    expect(await host.jobState("other", taken!.id)).toBeUndefined();
    expect(await host.jobState("ep", "nope")).toBeUndefined();
  });

  it("an exited process leaves the engine's worker registry", async () => {
    const host = engineHost(engine);
    engine.workers.spawned("ep", "w9", now);
    expect((await engine.health("ep")).workers.initializing).toBe(1);
    await host.workerGone?.("ep", "w9", "crashed");
    expect((await engine.health("ep")).workers.initializing).toBe(0);
  });
});
