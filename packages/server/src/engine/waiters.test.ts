import { describe, expect, it } from "vitest";
import { Waiters } from "./waiters.js";

describe("Waiters", () => {
  it("a notify between the look and the wait is not lost", async () => {
    const w = new Waiters();
    const seen = w.stamp("k");
    w.notify("k");
    expect(await w.waitChange("k", seen, 10_000)).toBe(true);
    expect(w.sleeping("k")).toBe(0);
  });

  it("notify wakes every sleeper; notifyOne wakes the oldest only", async () => {
    const w = new Waiters();
    const order: string[] = [];
    const a = w.waitChange("k", w.stamp("k"), 10_000).then((r) => order.push(`a:${r}`));
    const b = w.waitChange("k", w.stamp("k"), 10_000).then((r) => order.push(`b:${r}`));
    expect(w.sleeping("k")).toBe(2);
    w.notifyOne("k");
    await a;
    expect(order).toEqual(["a:true"]);
    expect(w.sleeping("k")).toBe(1);
    w.notify("k");
    await b;
    expect(order).toEqual(["a:true", "b:true"]);
  });

  it("waitWake hands sleepers the notify's detail; a relayed wake-up or an earlier notify carries none", async () => {
    const w = new Waiters();
    const record = { id: "j1" };
    const a = w.waitWake("k", w.stamp("k"), 10_000);
    const b = w.waitWake("k", w.stamp("k"), 10_000);
    w.notify("k", record);
    expect(await a).toEqual({ changed: true, detail: record });
    expect(await b).toEqual({ changed: true, detail: record });
    const relayed = w.waitWake("k", w.stamp("k"), 10_000);
    w.deliver("k");
    expect(await relayed).toEqual({ changed: true });
    const seen = w.stamp("k");
    w.notify("k", record);
    expect(await w.waitWake("k", seen, 10_000)).toEqual({ changed: true });
    expect(await w.waitWake("k", w.stamp("k"), 20)).toEqual({ changed: false });
  });

  it("times out, aborts and closes with false", async () => {
    const w = new Waiters();
    expect(await w.waitChange("k", w.stamp("k"), 20)).toBe(false);
    const ctl = new AbortController();
    const p = w.waitChange("k", w.stamp("k"), 10_000, ctl.signal);
    ctl.abort();
    expect(await p).toBe(false);
    const q = w.waitChange("k", w.stamp("k"), 10_000);
    w.close();
    expect(await q).toBe(false);
    expect(await w.waitChange("k", w.stamp("k"), 10_000)).toBe(false);
    expect(w.sleeping("k")).toBe(0);
  });

  it("listeners hear every notify until removed; a throwing listener does not stop others", () => {
    const w = new Waiters();
    let n = 0;
    const off = w.on("k", () => n++);
    w.on("k", () => {
      throw new Error("x");
    });
    w.notify("k");
    w.notifyOne("k");
    off();
    w.notify("k");
    expect(n).toBe(2);
  });

  it("keeps at most two generations of stamps and never loses a wake-up when one is dropped", async () => {
    const w = new Waiters({ generation: 4 });
    w.notify("a");
    const seenA = w.stamp("a");
    const fresh = w.stamp("b");
    for (let i = 0; i < 100; i++) w.notify(`job:${i}`);
    expect(w.tracked()).toBeLessThanOrEqual(8);
    // "a" was dropped: a reader that saw its old stamp wakes (spuriously, then re-checks) rather than sleeping.
    expect(w.stamp("a")).not.toBe(seenA);
    expect(await w.waitChange("a", seenA, 10_000)).toBe(true);
    // A reader that saw "b" before any notify still hears the next one, however many generations passed.
    const waiting = w.waitChange("b", fresh, 10_000);
    expect(w.sleeping("b")).toBe(1);
    for (let i = 100; i < 120; i++) w.notify(`job:${i}`);
    w.notify("b");
    expect(await waiting).toBe(true);
  });
});
