import { afterEach, describe, expect, it } from "vitest";
import { createEngineForTests, type Harness, type HarnessOptions } from "../testing/test-harness.js";
import type { SubmitRequest } from "./platform.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

/** Submits, runs to COMPLETED, and returns how long the result is kept (retainUntil − completedAt). */
async function retention(req: Partial<SubmitRequest>): Promise<number> {
  const r = await h.engine.submit({ endpointId: "ep", input: 1, sync: true, ...req });
  if (!r.ok) throw new Error(r.error);
  await h.engine.take("ep", "w1", 1, 0);
  await h.engine.workerDone("ep", "w1", r.value.id, { output: 1 }, false);
  const job = await h.store.jobs.get(r.value.id);
  return (job?.retainUntil ?? 0) - (job?.completedAt ?? 0);
}

describe("/runsync retention", () => {
  const setup = (o: HarnessOptions = {}) => createEngineForTests(o).then((x) => (h = x));

  it("is 60 s by default, and min(max(60 s, wait), 5 min) with a wait hint", async () => {
    await setup();
    expect(await retention({})).toBe(60_000);
    expect(await retention({ retentionMs: 1000 })).toBe(60_000);
    expect(await retention({ retentionMs: 120_000 })).toBe(120_000);
    expect(await retention({ retentionMs: 300_000 })).toBe(300_000);
    expect(await retention({ retentionMs: 3_600_000 })).toBe(300_000);
  });

  it("never shortens an endpoint's longer sync retention; /run jobs ignore the hint", async () => {
    await setup({ endpoints: [{ id: "ep", retention: { syncMs: 600_000, asyncMs: 1_800_000 } }] });
    expect(await retention({ retentionMs: 120_000 })).toBe(600_000);
    expect(await retention({ sync: false, retentionMs: 120_000 })).toBe(1_800_000);
  });
});

describe("idempotency before back-pressure", () => {
  it("a repeated key returns the existing job even when the queue is full; a new key gets 429", async () => {
    h = await createEngineForTests({ endpoints: [{ id: "ep", limits: { maxQueue: 1 } }] });
    const first = await h.engine.submit({ endpointId: "ep", input: 1, sync: false, idempotencyKey: "k" });
    const again = await h.engine.submit({ endpointId: "ep", input: 1, sync: false, idempotencyKey: "k" });
    expect(again).toEqual(first);
    const other = await h.engine.submit({ endpointId: "ep", input: 1, sync: false, idempotencyKey: "k2" });
    expect(other).toMatchObject({ ok: false, code: 429 });
    expect(await h.store.jobs.queuedCount("ep")).toBe(1);
  });

  it("still validates the request first", async () => {
    h = await createEngineForTests();
    await h.engine.submit({ endpointId: "ep", input: 1, sync: false, idempotencyKey: "k" });
    const bad = await h.engine.submit({
      endpointId: "ep",
      input: 1,
      sync: false,
      idempotencyKey: "k",
      policy: { ttl: 1 },
    });
    expect(bad).toMatchObject({ ok: false, code: 400 });
  });
});

describe("a parked taker and a new job", () => {
  /** Lets every pending microtask run, but no new event-loop turn (where the next group commit would run). */
  const drainMicrotasks = async () => {
    for (let i = 0; i < 100; i++) await Promise.resolve();
  };

  it("on SQLite the take shares the insert's commit: answered in the same event-loop turn", async () => {
    h = await createEngineForTests();
    let taken: string[] | undefined;
    const take = h.engine.take("ep", "w1", 1, 5000).then((jobs) => {
      taken = jobs.map((j) => j.id);
    });
    while (h.engine.waiters.sleeping("queue:ep") === 0) await new Promise((r) => setTimeout(r, 1));
    const r = await h.engine.submit({ endpointId: "ep", input: 1, sync: true });
    if (!r.ok) throw new Error(r.error);
    await drainMicrotasks();
    expect(taken).toEqual([r.value.id]);
    await take;
    // Committed: a fresh connection sees the job taken.
    const again = await openSqliteCopy(h.dbPath, r.value.id);
    expect(again).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });
  });

  it("an idempotent repeat wakes nobody for good: the taker keeps waiting", async () => {
    h = await createEngineForTests();
    const first = await h.engine.submit({ endpointId: "ep", input: 1, sync: false, idempotencyKey: "k" });
    if (!first.ok) throw new Error(first.error);
    expect(await h.engine.take("ep", "w1", 1, 0)).toHaveLength(1);
    const take = h.engine.take("ep", "w2", 1, 200);
    while (h.engine.waiters.sleeping("queue:ep") === 0) await new Promise((r) => setTimeout(r, 1));
    const again = await h.engine.submit({ endpointId: "ep", input: 1, sync: false, idempotencyKey: "k" });
    expect(again).toMatchObject({ ok: true, value: { id: first.value.id } });
    expect(await take).toEqual([]);
  });
});

async function openSqliteCopy(path: string, id: string) {
  const { SqliteStore } = await import("../store/sqlite.js");
  const other = new SqliteStore({ path });
  try {
    return await other.jobs.get(id);
  } finally {
    await other.close();
  }
}
