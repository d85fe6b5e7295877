import { describe, expect, it } from "vitest";
import { Changes } from "./changes.js";

describe("Changes", () => {
  it("wakes every waiter on the next notify, and only waiters that wait by then", async () => {
    const changes = new Changes();
    const woken: string[] = [];
    const a = changes.next().then(() => woken.push("a"));
    const b = changes.next({ timeoutMs: 60_000 }).then(() => woken.push("b"));
    changes.notify();
    await Promise.all([a, b]);
    expect(woken.sort()).toEqual(["a", "b"]);
    let late = false;
    const c = changes.next({ timeoutMs: 50 }).then(() => {
      late = true;
    });
    expect(late).toBe(false);
    await c;
    expect(late).toBe(true);
  });

  it("resolves at once on an aborted signal, and when the signal aborts", async () => {
    const changes = new Changes();
    await changes.next({ signal: AbortSignal.abort() });
    const controller = new AbortController();
    const waiting = changes.next({ signal: controller.signal });
    controller.abort();
    await waiting;
    // Neither left a waiter behind: a notify now wakes nobody and throws nothing.
    changes.notify();
  });
});
