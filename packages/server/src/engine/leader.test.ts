/** The leader lease with a fake clock and a store that can be made to fail. */
import { describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite.js";
import type { ClusterStore } from "../store/store.js";
import { LeaderLease } from "./leader.js";

const T0 = 1_700_000_000_000;

async function setup() {
  const store = await openSqliteStore({ path: ":memory:" });
  let now = T0;
  let failing = false;
  const flaky: ClusterStore = {
    ...store.cluster,
    acquireLease: (claim) =>
      failing ? Promise.reject(new Error("db down")) : store.cluster.acquireLease(claim),
  };
  const lease = (holder: string, s: ClusterStore = store.cluster) =>
    new LeaderLease(s, { holder, ttlMs: 10_000, renewMs: 2_000, clock: () => now });
  return {
    store,
    flaky,
    lease,
    advance: (ms: number) => {
      now += ms;
    },
    fail: (v: boolean) => {
      failing = v;
    },
  };
}

describe("LeaderLease", () => {
  it("one of two nodes leads; the other takes over once the leader's lease lapses", async () => {
    const t = await setup();
    const a = t.lease("a");
    const b = t.lease("b");
    const changes: string[] = [];
    b.onChange((l) => changes.push(`b:${l}`));
    await a.renew();
    await b.renew();
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    t.advance(9_999);
    await b.renew();
    expect(b.isLeader()).toBe(false);
    t.advance(1);
    await b.renew();
    expect(b.isLeader()).toBe(true);
    expect(changes).toEqual(["b:true"]);
    // The old leader learns it lost the lease at its next renewal.
    await a.renew();
    expect(a.isLeader()).toBe(false);
    await t.store.close();
  });

  it("steps down before its lease can lapse when renewals fail", async () => {
    const t = await setup();
    const a = t.lease("a", t.flaky);
    await a.renew();
    expect(a.isLeader()).toBe(true);
    t.fail(true);
    t.advance(5_000);
    await a.renew();
    expect(a.isLeader()).toBe(true);
    // ttl − renewMs after the last good claim: no longer sure, so not the leader, while the row is still valid.
    t.advance(3_000);
    expect(a.isLeader()).toBe(false);
    const b = t.lease("b");
    await b.renew();
    expect(b.isLeader()).toBe(false);
    t.fail(false);
    await a.renew();
    expect(a.isLeader()).toBe(true);
    await t.store.close();
  });

  it("gives the lease up on stop so another node need not wait for it to lapse", async () => {
    const t = await setup();
    const a = t.lease("a");
    const b = t.lease("b");
    await a.renew();
    await a.stop();
    expect(a.isLeader()).toBe(false);
    await b.renew();
    expect(b.isLeader()).toBe(true);
    await t.store.close();
  });

  it("refuses settings that could let two nodes lead", async () => {
    const t = await setup();
    expect(() => new LeaderLease(t.store.cluster, { holder: "a", ttlMs: 1000, renewMs: 600 })).toThrow(
      /renewMs/,
    );
    expect(() => new LeaderLease(t.store.cluster, { holder: "" })).toThrow(/holder/);
    await t.store.close();
  });
});
