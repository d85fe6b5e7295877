/**
 * The contract of `ClusterStore` (state shared by several Gantry nodes) as a vitest suite. Every store that
 * claims it runs it: describeClusterStoreConformance("sqlite", () => openSqliteStore({ path })).
 * Test support: excluded from the package build.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ClusterStore, Store, WorkerRow } from "../store/store.js";

const T0 = 1_700_000_000_000;

export function describeClusterStoreConformance(name: string, open: () => Promise<Store>): void {
  describe(`ClusterStore conformance: ${name}`, () => {
    let opened: Store;
    let store: ClusterStore;
    beforeEach(async () => {
      opened = await open();
      store = opened.cluster;
    });
    afterEach(async () => {
      await opened.close();
    });

    describe("stop signals", () => {
      it("hands each pending stop out once, oldest first, per worker", async () => {
        await store.addStopSignal("w1", "a", T0);
        await store.addStopSignal("w1", "b", T0 + 1);
        await store.addStopSignal("w2", "c", T0 + 2);
        await store.addStopSignal("w1", "a", T0 + 3);
        expect(await store.takeStopSignals("w1", 10)).toEqual(["a", "b"]);
        expect(await store.takeStopSignals("w1", 10)).toEqual([]);
        expect(await store.takeStopSignals("w2", 10)).toEqual(["c"]);
      });

      it("respects the limit and keeps the rest for the next take", async () => {
        for (const id of ["a", "b", "c"]) await store.addStopSignal("w", id, T0);
        expect(await store.takeStopSignals("w", 2)).toEqual(["a", "b"]);
        expect(await store.takeStopSignals("w", 2)).toEqual(["c"]);
      });

      it("clears one worker's signals and prunes old ones", async () => {
        await store.addStopSignal("w1", "a", T0);
        await store.addStopSignal("w2", "b", T0);
        await store.addStopSignal("w2", "c", T0 + 10_000);
        await store.clearStopSignals("w1");
        expect(await store.takeStopSignals("w1", 10)).toEqual([]);
        expect(await store.pruneStopSignals(T0 + 5000)).toBe(1);
        expect(await store.takeStopSignals("w2", 10)).toEqual(["c"]);
      });

      it("gives a signal to exactly one of many concurrent takers", async () => {
        for (let i = 0; i < 20; i++) await store.addStopSignal("w", `j${i}`, T0 + i);
        const got = await Promise.all(Array.from({ length: 8 }, () => store.takeStopSignals("w", 3)));
        const all = got.flat();
        expect(all.length).toBeLessThanOrEqual(20);
        expect(new Set(all).size).toBe(all.length);
        const rest = await store.takeStopSignals("w", 100);
        expect(new Set([...all, ...rest]).size).toBe(20);
      });
    });

    describe("worker rows", () => {
      const row = (over: Partial<WorkerRow> = {}): WorkerRow => ({
        id: "w1",
        endpointId: "ep",
        lastSeen: T0,
        changedAt: T0,
        data: { state: "idle", n: [1, "x"] },
        ...over,
      });

      it("stores rows and round-trips their data", async () => {
        await store.upsertWorkers([row(), row({ id: "w2", endpointId: "other" })]);
        const rows = await store.listWorkerRows();
        expect(rows.map((r) => r.id).sort()).toEqual(["w1", "w2"]);
        expect(rows.find((r) => r.id === "w1")).toEqual(row());
      });

      it("never moves lastSeen back and keeps the newer data", async () => {
        await store.upsertWorkers([row({ lastSeen: T0 + 5000, changedAt: T0 + 100, data: { v: "new" } })]);
        await store.upsertWorkers([row({ lastSeen: T0 + 1000, changedAt: T0 + 50, data: { v: "old" } })]);
        let [r] = await store.listWorkerRows();
        expect(r).toMatchObject({ lastSeen: T0 + 5000, changedAt: T0 + 100, data: { v: "new" } });
        await store.upsertWorkers([row({ lastSeen: T0 + 6000, changedAt: T0 + 200, data: { v: "newer" } })]);
        [r] = await store.listWorkerRows();
        expect(r).toMatchObject({ lastSeen: T0 + 6000, changedAt: T0 + 200, data: { v: "newer" } });
      });

      it("deletes rows by id", async () => {
        await store.upsertWorkers([row(), row({ id: "w2" }), row({ id: "w3" })]);
        await store.deleteWorkerRows(["w1", "w3", "missing"]);
        expect((await store.listWorkerRows()).map((r) => r.id)).toEqual(["w2"]);
      });
    });

    describe("leases", () => {
      it("grants a free lease, renews it for the holder and refuses others until it lapses", async () => {
        expect(await store.acquireLease({ name: "leader", holder: "a", now: T0, until: T0 + 10_000 })).toBe(
          true,
        );
        expect(
          await store.acquireLease({ name: "leader", holder: "b", now: T0 + 1000, until: T0 + 11_000 }),
        ).toBe(false);
        expect(
          await store.acquireLease({ name: "leader", holder: "a", now: T0 + 2000, until: T0 + 12_000 }),
        ).toBe(true);
        expect(
          await store.acquireLease({ name: "leader", holder: "b", now: T0 + 11_999, until: T0 + 20_000 }),
        ).toBe(false);
        expect(
          await store.acquireLease({ name: "leader", holder: "b", now: T0 + 12_000, until: T0 + 22_000 }),
        ).toBe(true);
        expect(
          await store.acquireLease({ name: "leader", holder: "a", now: T0 + 13_000, until: T0 + 23_000 }),
        ).toBe(false);
        expect(
          await store.acquireLease({ name: "other", holder: "a", now: T0 + 13_000, until: T0 + 23_000 }),
        ).toBe(true);
      });

      it("frees a released lease at once, and ignores a release by a non-holder", async () => {
        await store.acquireLease({ name: "leader", holder: "a", now: T0, until: T0 + 10_000 });
        await store.releaseLease("leader", "b");
        expect(
          await store.acquireLease({ name: "leader", holder: "b", now: T0 + 1, until: T0 + 10_000 }),
        ).toBe(false);
        await store.releaseLease("leader", "a");
        expect(
          await store.acquireLease({ name: "leader", holder: "b", now: T0 + 2, until: T0 + 10_000 }),
        ).toBe(true);
      });

      it("gives a contested lease to exactly one of many concurrent callers", async () => {
        const holders = Array.from({ length: 10 }, (_, i) => `n${i}`);
        const won = await Promise.all(
          holders.map((h) => store.acquireLease({ name: "leader", holder: h, now: T0, until: T0 + 10_000 })),
        );
        expect(won.filter(Boolean)).toHaveLength(1);
      });
    });
  });
}
