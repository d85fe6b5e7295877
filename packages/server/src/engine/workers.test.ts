import { describe, expect, it } from "vitest";
import { type WorkerEvent, WorkerRegistry } from "./workers.js";

const STALE = 30_000;
const registry = () => new WorkerRegistry({ staleMs: STALE, unhealthyMs: 60_000 });
const idle = () => false;
const jobs = (...ids: string[]) => ids.map((id) => ({ id }));

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

describe("WorkerRegistry: one record of each worker, fed as the protocol happens", () => {
  it("a spawned worker is initializing until its first job-take, which measures its cold start", () => {
    const r = registry();
    const events: WorkerEvent[] = [];
    r.on((e) => events.push(e));
    r.spawned("ep", "w", 1_000);
    r.seen("ep", "w", 1_500, { jobIds: [] }); // a ping before the first take
    expect(r.get("w", 1_500)?.state).toBe("initializing");
    r.takeRequested("ep", "w", 2, 4_000);
    r.takeRequested("ep", "w", 1, 5_000);
    expect(events).toEqual([
      { type: "ready", endpointId: "ep", workerId: "w", at: 4_000, coldStartMs: 3_000 },
    ]);
    expect(r.get("w", 5_000)).toMatchObject({
      state: "idle",
      coldStartMs: 3_000,
      concurrency: 2,
      firstTakeAt: 4_000,
    });
  });

  it("a worker started elsewhere is idle from its first contact, with no cold start", () => {
    const r = registry();
    const events: WorkerEvent[] = [];
    r.on((e) => events.push(e));
    r.seen("ep", "ext", 100, { jobIds: [] });
    expect(r.get("ext", 100)).toMatchObject({ state: "idle", firstContactAt: 100 });
    r.takeRequested("ep", "ext", 1, 200);
    expect(events).toEqual([{ type: "ready", endpointId: "ep", workerId: "ext", at: 200 }]);
    expect(r.get("ext", 200)?.coldStartMs).toBeUndefined();
  });

  it("is busy while it holds a job and idle once it answered, even if a ping listing the job arrives late", () => {
    const r = registry();
    const events: WorkerEvent[] = [];
    r.on((e) => events.push(e));
    r.takeRequested("ep", "w", 1, 0);
    r.taken("ep", "w", jobs("j1"), 10);
    expect(r.get("w", 10)).toMatchObject({ state: "running", jobs: 1, held: ["j1"] });
    r.done("ep", "w", "j1", false, 20); // progress
    expect(r.get("w", 20)?.state).toBe("running");
    r.done("ep", "w", "j1", true, 30);
    r.seen("ep", "w", 31, { jobIds: ["j1"] }); // sent while it ran the job
    r.done("ep", "w", "j1", true, 32); // a repeated post
    expect(r.get("w", 40)).toMatchObject({
      state: "idle",
      jobs: 0,
      jobsDone: 1,
      firstDoneAt: 30,
      lastJobAt: 30,
    });
    expect(events.filter((e) => e.type === "answered")).toEqual([
      { type: "answered", endpointId: "ep", workerId: "w", jobId: "j1", at: 30, first: true },
    ]);
  });

  it("pings replace the jobs it runs, but keep jobs handed out moments ago; put-back jobs are released", () => {
    const r = registry();
    r.taken("ep", "w", jobs("old"), 0);
    r.taken("ep", "w", jobs("fresh", "back"), 9_000);
    r.seen("ep", "w", 10_000, { jobIds: ["listed"] });
    r.putBack("w", ["back"]);
    expect(r.get("w", 10_000)?.held.sort()).toEqual(["fresh", "listed"]);
    // The store's count wins when it is larger (a job this node did not hand out).
    expect(r.list("ep", new Map([["w", 5]]), 10_000)[0]?.jobs).toBe(5);
  });

  it("a supervisor's verdict makes a worker unhealthy for every reader until it is taken back", () => {
    const r = registry();
    r.spawned("ep", "w", 0);
    r.judge("w", "did not ask for a job within 1 s of starting");
    const [w] = r.list("ep", new Map(), 5_000);
    expect(w?.state).toBe("unhealthy");
    expect(WorkerRegistry.summarize(r.list("ep", new Map(), 5_000)).unhealthy).toBe(1);
    expect(WorkerRegistry.describeUnhealthy(w!)).toBe(
      "worker w is unhealthy (did not ask for a job within 1 s of starting)",
    );
    r.judge("w", undefined);
    expect(r.get("w", 5_000)?.state).toBe("initializing");
  });

  it("a retired worker is gone at once, and its late requests do not bring it back", () => {
    const r = registry();
    r.spawned("ep", "w", 0);
    r.takeRequested("ep", "w", 1, 10);
    r.retire("w", 20);
    r.seen("ep", "w", 30, { jobIds: [] });
    r.done("ep", "w", "j", true, 31);
    expect(r.list("ep", new Map(), 40)).toEqual([]);
    expect(r.snapshots(40)).toEqual([]);
  });

  it("a quiet spawned worker is its supervisor's to remove, until it has been quiet very long", () => {
    const r = new WorkerRegistry({ staleMs: STALE, unhealthyMs: 60_000, spawnedStaleMs: 600_000 });
    r.spawned("ep", "sup", 0);
    r.takeRequested("ep", "sup", 1, 0);
    r.seen("ep", "ext", 0);
    expect(r.prune(STALE + 1, idle)).toEqual(["ext"]);
    expect(r.prune(600_001, idle)).toEqual(["sup"]);
  });

  it("adopting another node's copy keeps what only moves one way, and reports readiness once", () => {
    const a = registry();
    const b = registry();
    const events: WorkerEvent[] = [];
    b.on((e) => events.push(e));
    a.spawned("ep", "w", 0);
    b.adopt(a.snapshots(0)[0]!);
    expect(b.get("w", 0)?.state).toBe("initializing");
    b.takeRequested("ep", "w", 1, 2_000); // its first take lands on b
    a.seen("ep", "w", 3_000, { version: "1.2.3" }); // a newer copy from a, made before a knew
    b.adopt(a.snapshots(3_000)[0]!);
    expect(b.get("w", 3_000)).toMatchObject({
      state: "idle",
      firstTakeAt: 2_000,
      coldStartMs: 2_000,
      version: "1.2.3",
    });
    a.adopt(b.snapshots(3_000)[0]!);
    expect(a.get("w", 3_000)).toMatchObject({ state: "idle", coldStartMs: 2_000 });
    expect(events.map((e) => e.type)).toEqual(["ready"]);
  });
});
