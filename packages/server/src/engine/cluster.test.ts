/**
 * Several engines over one store, as several Gantry nodes would run: here two engines in one process over one
 * SQLite file, joined by an in-process bus (the PostgreSQL version with real processes is test/multinode/).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { resolveEndpoint } from "../domain/endpoint.js";
import { openSqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/store.js";
import {
  type BusEvent,
  coalesceEvents,
  decodeEvents,
  type EventBus,
  encodeEvents,
  InProcessBus,
} from "./bus.js";
import { Engine } from "./engine.js";
import { LeaderLease } from "./leader.js";

interface Node {
  engine: Engine;
  store: Store;
  bus: EventBus;
}

let dir: string | undefined;
let nodes: Node[] = [];

afterEach(async () => {
  for (const n of nodes) {
    await n.engine.stop();
    await n.bus.close();
    await n.store.close();
  }
  nodes = [];
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const endpoints = new Map([["ep", resolveEndpoint({ id: "ep", executionTimeoutMs: 5000 })]]);

/** A bus that loses every event: only the bounded re-check of the store can wake anyone. */
const deafBus = (): EventBus => ({ publish: () => {}, subscribe: () => () => {}, close: async () => {} });

async function cluster(
  count: number,
  o: { bus?: () => EventBus; leaderTtlMs?: number } = {},
): Promise<Node[]> {
  dir = mkdtempSync(join(tmpdir(), "gantry-cluster-"));
  const hub = new InProcessBus();
  for (let i = 0; i < count; i++) {
    const store = await openSqliteStore({ path: join(dir, "gantry.db") });
    const bus = o.bus ? o.bus() : hub.connect();
    const leadership = new LeaderLease(store.cluster, {
      holder: `node${i}`,
      ttlMs: o.leaderTtlMs ?? 600,
      renewMs: 100,
    });
    const engine = new Engine({
      store,
      endpoints,
      cluster: { store: store.cluster, bus, leadership, recheckMs: 200, workerSyncMs: 100 },
      options: { nodeId: `n${i}`, takeHoldMs: 20_000, stopHoldMs: 20_000, sweepIntervalMs: 50 },
    });
    engine.start();
    nodes.push({ engine, store, bus });
  }
  return nodes;
}

const submit = async (n: Node, input: unknown = 1): Promise<string> => {
  const r = await n.engine.submit({ endpointId: "ep", input, sync: false });
  if (!r.ok) throw new Error(r.error);
  return r.value.id;
};

describe("bus wire format", () => {
  it("round-trips events and skips malformed lines", () => {
    const events: BusEvent[] = [
      { topic: "job", id: "sync-abc-n1" },
      { topic: "queue", id: "ep", wake: 3 },
    ];
    expect(decodeEvents(encodeEvents(events))).toEqual(events);
    expect(decodeEvents("job 0 a\nbogus\nqueue x ep\nnope 0 b\nstop 0 ")).toEqual([
      { topic: "job", id: "a" },
    ]);
  });

  it("coalesces repeats: wake-all wins, counted wake-ups add up", () => {
    expect(
      coalesceEvents([
        { topic: "queue", id: "ep", wake: 1 },
        { topic: "queue", id: "ep", wake: 2 },
        { topic: "job", id: "a" },
        { topic: "job", id: "a", wake: 1 },
        { topic: "job", id: "a" },
      ]),
    ).toEqual([
      { topic: "queue", id: "ep", wake: 3 },
      { topic: "job", id: "a" },
    ]);
  });
});

describe("engines sharing one store", () => {
  it("a job submitted on one node wakes a taker parked on another, and its result wakes a waiter on a third", async () => {
    const [a, b, c] = await cluster(3);
    if (!a || !b || !c) throw new Error("nodes");
    const take = b.engine.take("ep", "w1", 1, 20_000);
    await vi.waitFor(() => expect(b.engine.waiters.sleeping("queue:ep")).toBe(1));
    const id = await submit(a, { x: 1 });
    const started = Date.now();
    const jobs = await take;
    expect(jobs.map((j) => j.id)).toEqual([id]);
    // Woken by the bus, not by the 20 s hold.
    expect(Date.now() - started).toBeLessThan(5000);

    const waiting = c.engine.waitForTerminal("ep", id, 20_000);
    await vi.waitFor(() => expect(c.engine.waiters.sleeping(`job:${id}`)).toBe(1));
    expect(await b.engine.workerDone("ep", "w1", id, { output: "ok" }, false)).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await waiting).toMatchObject({ id, status: "COMPLETED", output: "ok" });
  });

  it("streams chunks posted through one node to a live feed on another", async () => {
    const [a, b] = await cluster(2);
    if (!a || !b) throw new Error("nodes");
    const id = await submit(a);
    await b.engine.take("ep", "w1", 1, 0);
    const events: string[] = [];
    const off = await a.engine.subscribe("ep", id, 0, (e) =>
      events.push(e.type === "chunk" ? `chunk:${String(e.output)}` : e.type),
    );
    await b.engine.workerStream("ep", "w1", id, "c1");
    await b.engine.workerStream("ep", "w1", id, "c2");
    await b.engine.workerDone("ep", "w1", id, {}, true);
    await vi.waitFor(() => expect(events.filter((e) => e !== "status")).toEqual(["chunk:c1", "chunk:c2"]));
    await vi.waitFor(() => expect(events.at(-1)).toBe("status"));
    off?.();
  });

  it("delivers a cancel through one node to the worker's job-stop poll on another", async () => {
    const [a, b] = await cluster(2);
    if (!a || !b) throw new Error("nodes");
    const id = await submit(a);
    await b.engine.take("ep", "w1", 1, 0);
    const stops = b.engine.waitStops("ep", "w1", 20_000);
    await vi.waitFor(() => expect(b.engine.waiters.sleeping("stop:w1")).toBe(1));
    expect(await a.engine.cancel("ep", id)).toMatchObject({ status: "CANCELLED" });
    expect(await stops).toEqual([id]);
    // Delivered once, whichever node the next poll lands on.
    expect(await a.engine.waitStops("ep", "w1", 0)).toEqual([]);
  });

  it("never stalls when every wake-up is lost: long-polls re-check the store", async () => {
    const [a, b] = await cluster(2, { bus: deafBus });
    if (!a || !b) throw new Error("nodes");
    const take = b.engine.take("ep", "w1", 1, 20_000);
    await vi.waitFor(() => expect(b.engine.waiters.sleeping("queue:ep")).toBe(1));
    const id = await submit(a);
    const started = Date.now();
    expect((await take).map((j) => j.id)).toEqual([id]);
    expect(Date.now() - started).toBeLessThan(10_000);
    const waiting = a.engine.waitForTerminal("ep", id, 20_000);
    await b.engine.workerDone("ep", "w1", id, { output: 2 }, false);
    expect(await waiting).toMatchObject({ status: "COMPLETED", output: 2 });
  });

  it("shares the worker registry: health on one node counts workers talking to another", async () => {
    const [a, b] = await cluster(2);
    if (!a || !b) throw new Error("nodes");
    await submit(a);
    await b.engine.take("ep", "busy", 1, 0);
    await b.engine.ping("ep", "idle1", {});
    await b.engine.ping("ep", "sick", { status: "unhealthy", check: "gpu", reason: "no device" });
    await vi.waitFor(async () => {
      const h = await a.engine.health("ep");
      expect(h.workers).toMatchObject({ running: 1, idle: 1, unhealthy: 1 });
      expect(h.hints?.[0]).toContain("no device");
    });
    // A healthy ping through node A clears the report made through node B, on both nodes.
    await a.engine.ping("ep", "sick", {});
    await vi.waitFor(async () => {
      expect((await b.engine.health("ep")).workers).toMatchObject({ idle: 2, unhealthy: 0 });
    });
    // A worker released through one node leaves every node's registry.
    await b.engine.releaseWorker("idle1", "exited");
    await vi.waitFor(async () => expect((await a.engine.health("ep")).workers.idle).toBe(1));
  });

  it("holds a recycling worker's takes on every node", async () => {
    const [a, b] = await cluster(2);
    if (!a || !b) throw new Error("nodes");
    const id = await submit(a);
    await b.engine.take("ep", "w1", 1, 0);
    await b.engine.workerDone("ep", "w1", id, { output: 1, stopPod: true }, false);
    await submit(a);
    await vi.waitFor(() => expect(a.engine.workers.shouldRecycle("w1")).toBe(true));
    expect(await a.engine.take("ep", "w1", 1, 300)).toEqual([]);
  });

  it("runs the sweeps on one node at a time and fails over when the leader stops", async () => {
    const [a, b] = await cluster(2);
    if (!a || !b) throw new Error("nodes");
    await vi.waitFor(() => expect([a, b].filter((n) => n.engine.leadership.isLeader())).toHaveLength(1));
    const leader = a.engine.leadership.isLeader() ? a : b;
    const follower = leader === a ? b : a;
    const ticks = vi.spyOn(leader.store.jobs, "expiredLeases");
    const idle = vi.spyOn(follower.store.jobs, "expiredLeases");
    await vi.waitFor(() => expect(ticks).toHaveBeenCalled());
    expect(idle).not.toHaveBeenCalled();

    // A job whose execution timeout passes after the leader is gone still times out, through the survivor.
    const id = await submit(follower);
    await follower.engine.take("ep", "w1", 1, 0);
    await leader.engine.stop();
    await vi.waitFor(() => expect(follower.engine.leadership.isLeader()).toBe(true), { timeout: 5000 });
    const done = await follower.engine.waitForTerminal("ep", id, 20_000);
    expect(done).toMatchObject({ status: "TIMED_OUT" });
    expect(await follower.engine.waitStops("ep", "w1", 0)).toEqual([id]);
  });
});
