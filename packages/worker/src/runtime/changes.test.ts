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

describe("Changes with a condition", () => {
  it("leaves a waiter asleep through notifies while its condition does not hold", async () => {
    const changes = new Changes();
    let ready = false;
    let woken = false;
    const waiting = changes.next({ until: () => ready }).then(() => {
      woken = true;
    });
    changes.notify();
    await new Promise((resolve) => setImmediate(resolve));
    expect(woken).toBe(false);
    ready = true;
    changes.notify();
    await waiting;
    expect(woken).toBe(true);
  });

  it("still wakes it on its timeout", async () => {
    const changes = new Changes();
    await changes.next({ timeoutMs: 20, until: () => false });
  });
});
