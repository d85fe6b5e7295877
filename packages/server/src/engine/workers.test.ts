import { describe, expect, it } from "vitest";
import { WorkerRegistry } from "./workers.js";

const STALE = 30_000;
const registry = () => new WorkerRegistry({ staleMs: STALE, unhealthyMs: 60_000 });
const idle = () => false;

describe("WorkerRegistry: an open long-poll is a sign of life", () => {
  it("a quiet worker is forgotten after staleMs; one waiting in a long-poll is not", () => {
    const r = registry();
    r.seen("ep", "quiet", 0);
    r.seen("ep", "polling", 0);
    r.pollOpened("polling");
    expect(r.prune(STALE + 1, idle)).toEqual(["quiet"]);
    expect(r.list("ep", new Map(), 120_000).map((w) => [w.id, w.lastSeen, w.state])).toEqual([
      ["polling", 120_000, "idle"],
    ]);
  });

  it("once its polls end it ages from the moment the last one closed", () => {
    const r = registry();
    r.seen("ep", "w", 0);
    r.pollOpened("w"); // job-take
    r.pollOpened("w"); // job-stop
    r.pollClosed("w", 40_000);
    expect(r.prune(100_000, idle)).toEqual([]);
    r.pollClosed("w", 100_000);
    expect(r.prune(100_000 + STALE, idle)).toEqual([]);
    expect(r.prune(100_000 + STALE + 1, idle)).toEqual(["w"]);
  });

  it("a poll neither registers a worker nor ends its initialization", () => {
    const r = registry();
    r.pollOpened("stranger");
    r.pollClosed("stranger", 5);
    expect(r.snapshots(10)).toEqual([]);
    r.markInitializing("ep", "starting", 0);
    r.pollOpened("starting");
    expect(r.list("ep", new Map(), 1)[0]?.state).toBe("initializing");
  });

  it("snapshots for other nodes show a polling worker as seen now", () => {
    const r = registry();
    r.seen("ep", "w", 1_000);
    r.pollOpened("w");
    expect(r.snapshots(9_000)[0]?.lastSeen).toBe(9_000);
    r.pollClosed("w", 9_500);
    expect(r.snapshots(20_000)[0]?.lastSeen).toBe(9_500);
  });
});
