import { describe, expect, it } from "vitest";
import type { EndpointScaling } from "../domain/endpoint.js";
import { crashDelayMs, DEFAULT_BACKOFF, isCrashLooping, nextStartAt } from "./backoff.js";
import { DEFAULT_TUNING, decide, type ScaleAction, type ScalingSnapshot, type WorkerView } from "./decide.js";

const NOW = 1_000_000;
const S = 1000;

const settings = (over: Partial<EndpointScaling> = {}): EndpointScaling => ({
  workersMin: 0,
  workersMax: 3,
  idleTimeoutS: 5,
  scalerType: "QUEUE_DELAY",
  scalerValue: 4,
  ...over,
});

let seq = 0;
const worker = (state: WorkerView["state"], over: Partial<WorkerView> = {}): WorkerView => ({
  id: `w${++seq}`,
  state,
  startedAt: NOW - 60 * S,
  concurrency: 1,
  ...over,
});

const snap = (over: Partial<ScalingSnapshot> = {}): ScalingSnapshot => ({
  now: NOW,
  inQueue: 0,
  inQueueLow: 0,
  inProgress: 0,
  workers: [],
  crash: { consecutive: 0 },
  ...over,
});

const starts = (actions: ScaleAction[]): number =>
  actions.reduce((n, a) => n + (a.kind === "start" ? a.count : 0), 0);
const stops = (actions: ScaleAction[], reason?: string): string[] =>
  actions.flatMap((a) =>
    a.kind === "stop" && (reason === undefined || a.reason === reason) ? [a.workerId] : [],
  );

describe("decide: QUEUE_DELAY", () => {
  const cases: {
    name: string;
    s?: Partial<EndpointScaling>;
    snap: Partial<ScalingSnapshot>;
    start: number;
  }[] = [
    { name: "nothing queued, no workers: nothing", snap: {}, start: 0 },
    {
      name: "0→1: the first job starts a worker at once",
      snap: { inQueue: 1, oldestQueuedAt: NOW },
      start: 1,
    },
    {
      name: "a burst on an empty endpoint still starts exactly one",
      snap: { inQueue: 50, oldestQueuedAt: NOW - 100 },
      start: 1,
    },
    {
      name: "one job, one worker still initializing: no second worker however long it waits",
      snap: { inQueue: 1, oldestQueuedAt: NOW - 60 * S, workers: [worker("initializing")] },
      start: 0,
    },
    {
      name: "backlog waited past the delay: one more",
      snap: { inQueue: 3, inProgress: 1, oldestQueuedAt: NOW - 5 * S, workers: [worker("running")] },
      start: 1,
    },
    {
      name: "backlog not yet past the delay: wait",
      snap: { inQueue: 3, inProgress: 1, oldestQueuedAt: NOW - 3 * S, workers: [worker("running")] },
      start: 0,
    },
    {
      name: "backlog covered by an idle worker with free slots: none",
      snap: {
        inQueue: 3,
        inProgress: 1,
        oldestQueuedAt: NOW - 10 * S,
        workers: [worker("running", { concurrency: 2 }), worker("idle", { concurrency: 2 })],
      },
      start: 0,
    },
    {
      name: "backlog counted against a starting worker's capacity",
      snap: {
        inQueue: 2,
        inProgress: 1,
        oldestQueuedAt: NOW - 10 * S,
        workers: [worker("running"), worker("initializing", { concurrency: 1 })],
      },
      start: 1,
    },
    {
      name: "at most one scale-up per delay period",
      snap: {
        inQueue: 10,
        inProgress: 1,
        oldestQueuedAt: NOW - 30 * S,
        lastScaleUpAt: NOW - 2 * S,
        workers: [worker("running")],
      },
      start: 0,
    },
    {
      name: "lowPriority jobs never scale up from zero",
      snap: { inQueueLow: 20, oldestQueuedAt: undefined },
      start: 0,
    },
    {
      name: "lowPriority jobs never add workers",
      snap: { inQueueLow: 20, inProgress: 1, workers: [worker("running")] },
      start: 0,
    },
    {
      name: "never above workersMax",
      s: { workersMax: 2 },
      snap: {
        inQueue: 9,
        inProgress: 2,
        oldestQueuedAt: NOW - 60 * S,
        workers: [worker("running"), worker("running")],
      },
      start: 0,
    },
    {
      name: "workersMax 0 starts nothing",
      s: { workersMax: 0 },
      snap: { inQueue: 1, oldestQueuedAt: NOW },
      start: 0,
    },
    { name: "workersMin kept warm from zero", s: { workersMin: 2 }, snap: {}, start: 2 },
    { name: "workersMin tops up", s: { workersMin: 2 }, snap: { workers: [worker("idle")] }, start: 1 },
    {
      name: "throttled workers occupy a slot but give no capacity",
      s: { workersMax: 2 },
      snap: { inQueue: 2, oldestQueuedAt: NOW - 10 * S, workers: [worker("throttled")] },
      start: 1,
    },
    {
      name: "stopping workers count for nothing",
      snap: { inQueue: 1, oldestQueuedAt: NOW, workers: [worker("idle", { stopping: true })] },
      start: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = decide(settings(c.s), snap(c.snap));
      expect(starts(d.actions)).toBe(c.start);
      expect(stops(d.actions)).toEqual([]);
    });
  }
});

describe("decide: REQUEST_COUNT", () => {
  const rc = (over: Partial<EndpointScaling> = {}) =>
    settings({ scalerType: "REQUEST_COUNT", scalerValue: 1, workersMax: 10, ...over });
  const cases: {
    name: string;
    s?: Partial<EndpointScaling>;
    snap: Partial<ScalingSnapshot>;
    start: number;
  }[] = [
    { name: "ceil((queue+progress)/N) from zero", s: { scalerValue: 2 }, snap: { inQueue: 5 }, start: 3 },
    { name: "scalerValue 1: one worker per request", snap: { inQueue: 4 }, start: 4 },
    {
      name: "existing workers subtract from the target",
      s: { scalerValue: 2 },
      snap: { inQueue: 3, inProgress: 2, workers: [worker("running")] },
      start: 2,
    },
    {
      name: "a worker's own concurrency counts as capacity",
      snap: { inQueue: 3, inProgress: 1, workers: [worker("running", { concurrency: 4 })] },
      start: 0,
    },
    {
      name: "new workers are sized like the existing ones",
      snap: { inQueue: 9, inProgress: 4, workers: [worker("running", { concurrency: 4 })] },
      start: 3,
    },
    { name: "capped at workersMax", s: { workersMax: 3 }, snap: { inQueue: 100 }, start: 3 },
    { name: "lowPriority queue ignored", snap: { inQueueLow: 10 }, start: 0 },
    {
      name: "initializing workers count (no one-per-tick runaway)",
      snap: { inQueue: 2, workers: [worker("initializing"), worker("initializing")] },
      start: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(starts(decide(rc(c.s), snap(c.snap)).actions)).toBe(c.start);
    });
  }

  it("labels the reason", () => {
    const d = decide(rc(), snap({ inQueue: 2, inProgress: 1, workers: [worker("running")] }));
    expect(d.actions).toEqual([{ kind: "start", count: 2, reason: "request-count" }]);
  });
});

describe("decide: scale-down", () => {
  it("1→0: an idle worker past idleTimeout is stopped", () => {
    const w = worker("idle", { idleSince: NOW - 6 * S });
    const d = decide(settings(), snap({ workers: [w] }));
    expect(d.actions).toEqual([{ kind: "stop", workerId: w.id, reason: "idle-timeout" }]);
  });

  it("an idle worker within idleTimeout stays", () => {
    expect(
      decide(settings(), snap({ workers: [worker("idle", { idleSince: NOW - 4 * S })] })).actions,
    ).toEqual([]);
  });

  it("idle time counts from the last job, not from the start", () => {
    const w = worker("idle", { startedAt: NOW - 600 * S, lastJobAt: NOW - 1 * S });
    expect(decide(settings(), snap({ workers: [w] })).actions).toEqual([]);
  });

  it("running, initializing and throttled workers are never idle-stopped", () => {
    const old = { startedAt: NOW - 600 * S, idleSince: NOW - 600 * S };
    const ws = [worker("running", old), worker("initializing", old), worker("throttled", old)];
    expect(stops(decide(settings(), snap({ inProgress: 1, workers: ws })).actions)).toEqual([]);
  });

  it("never below workersMin, oldest idle first", () => {
    const a = worker("idle", { idleSince: NOW - 30 * S });
    const b = worker("idle", { idleSince: NOW - 90 * S });
    const c = worker("idle", { idleSince: NOW - 60 * S });
    const d = decide(settings({ workersMin: 1 }), snap({ workers: [a, b, c] }));
    expect(stops(d.actions, "idle-timeout")).toEqual([b.id, c.id]);
  });

  it("queued work (even lowPriority) keeps idle workers", () => {
    const w = worker("idle", { idleSince: NOW - 60 * S });
    expect(decide(settings(), snap({ inQueueLow: 1, workers: [w] })).actions).toEqual([]);
  });

  it("lowering workersMax stops the surplus, idle before running", () => {
    const r1 = worker("running", { startedAt: NOW - 100 * S });
    const r2 = worker("running", { startedAt: NOW - 50 * S });
    const i1 = worker("idle", { idleSince: NOW - 1 * S });
    const d = decide(settings({ workersMax: 1 }), snap({ inProgress: 2, workers: [r1, r2, i1] }));
    expect(stops(d.actions, "over-max")).toEqual([i1.id, r2.id]);
    expect(starts(d.actions)).toBe(0);
  });

  it("unhealthy workers are stopped and replaced", () => {
    const u = worker("unhealthy");
    const d = decide(settings({ workersMin: 1 }), snap({ workers: [u] }));
    expect(d.actions).toEqual([
      { kind: "stop", workerId: u.id, reason: "unhealthy" },
      { kind: "start", count: 1, reason: "min-workers" },
    ]);
  });
});

describe("decide: hysteresis (no flapping)", () => {
  it("a freshly started worker is not stopped even with a tiny idleTimeout", () => {
    const w = worker("idle", { startedAt: NOW - 2 * S, idleSince: NOW - 2 * S });
    expect(decide(settings({ idleTimeoutS: 1 }), snap({ workers: [w] })).actions).toEqual([]);
    const later = decide(settings({ idleTimeoutS: 1 }), snap({ now: NOW + 4 * S, workers: [w] }));
    expect(stops(later.actions)).toEqual([w.id]);
  });

  it("no idle scale-down right after a scale-up", () => {
    const w = worker("idle", { idleSince: NOW - 60 * S });
    const d = decide(settings(), snap({ lastScaleUpAt: NOW - 1 * S, workers: [w] }));
    expect(d.actions).toEqual([]);
  });

  it("a stop and a start never happen in the same tick for load", () => {
    // Queue just emptied onto an idle worker: it must not be stopped while starting another.
    for (let q = 0; q < 5; q++) {
      const ws = [worker("idle", { idleSince: NOW - 60 * S }), worker("running")];
      const d = decide(
        settings(),
        snap({ inQueue: q, inProgress: 1, oldestQueuedAt: NOW - 60 * S, workers: ws }),
      );
      const hasStart = starts(d.actions) > 0;
      const hasIdleStop = stops(d.actions, "idle-timeout").length > 0;
      expect(hasStart && hasIdleStop).toBe(false);
    }
  });

  it("a simulated wave pattern settles instead of oscillating", () => {
    // Jobs every 3 s, each 1 s long, idleTimeout 5 s: one worker should stay up the whole time.
    const w = worker("idle", { startedAt: NOW - 100 * S, idleSince: NOW });
    let stopsSeen = 0;
    for (let t = 0; t < 60; t++) {
      const now = NOW + t * S;
      const busy = t % 3 === 0;
      const cur: WorkerView = busy
        ? { ...w, state: "running" }
        : { ...w, state: "idle", idleSince: NOW + Math.floor(t / 3) * 3 * S + S };
      const d = decide(settings(), snap({ now, inProgress: busy ? 1 : 0, workers: [cur] }));
      stopsSeen += stops(d.actions).length;
      expect(starts(d.actions)).toBe(0);
    }
    expect(stopsSeen).toBe(0);
  });
});

describe("decide: crash loops", () => {
  it("a single crash is replaced at once", () => {
    const d = decide(settings({ workersMin: 1 }), snap({ crash: { consecutive: 1, lastCrashAt: NOW } }));
    expect(starts(d.actions)).toBe(1);
    expect(d.crashLooping).toBe(false);
  });

  it("repeated crashes hold starts back until the back-off passes", () => {
    const crash = { consecutive: 3, lastCrashAt: NOW - 100 };
    const d = decide(settings(), snap({ inQueue: 1, oldestQueuedAt: NOW - 10 * S, crash }));
    expect(starts(d.actions)).toBe(0);
    expect(d.held).toEqual({ count: 1, until: NOW - 100 + 2 * S });
    expect(d.crashLooping).toBe(true);
    const after = decide(
      settings(),
      snap({ now: NOW + 2 * S, inQueue: 1, oldestQueuedAt: NOW - 10 * S, crash }),
    );
    expect(starts(after.actions)).toBe(1);
  });

  it("a crash-looping endpoint probes with one worker at a time", () => {
    const crash = { consecutive: 5, lastCrashAt: NOW - 600 * S };
    const s = settings({ scalerType: "REQUEST_COUNT", scalerValue: 1, workersMax: 10, workersMin: 3 });
    expect(starts(decide(s, snap({ inQueue: 8, crash })).actions)).toBe(1);
    expect(starts(decide(s, snap({ inQueue: 8, crash, workers: [worker("initializing")] })).actions)).toBe(0);
  });

  it("back-off grows exponentially and is capped", () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => crashDelayMs(n))).toEqual([0, 0, 1000, 2000, 4000, 8000]);
    expect(crashDelayMs(50)).toBe(DEFAULT_BACKOFF.maxMs);
    expect(nextStartAt({ consecutive: 1, lastCrashAt: NOW })).toBeUndefined();
    expect(nextStartAt({ consecutive: 4, lastCrashAt: NOW })).toBe(NOW + 4000);
    expect(isCrashLooping({ consecutive: 2 })).toBe(false);
    expect(isCrashLooping({ consecutive: 3 })).toBe(true);
  });

  it("back-off keeps idle workers from being stopped meanwhile", () => {
    const w = worker("idle", { idleSince: NOW - 60 * S });
    const d = decide(
      settings({ workersMin: 2 }),
      snap({ workers: [w], crash: { consecutive: 4, lastCrashAt: NOW } }),
      DEFAULT_TUNING,
    );
    expect(d.actions).toEqual([]);
    expect(d.held?.count).toBe(1);
  });
});
