import { afterEach, describe, expect, it } from "vitest";
import { type Stack, sdkWorkerCommand, startStack, until } from "./supervision-harness.js";

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const live = (s: Stack, ep: string) =>
  (s.supervision.supervisor.status(ep)?.workers ?? []).filter((w) => w.stopping === undefined);

describe("supervision with @gantry/worker processes", () => {
  it("a burst scales to workersMax and no further, and every job completes", async () => {
    stack = await startStack([
      {
        id: "burst",
        worker: { command: sdkWorkerCommand() },
        scaling: { workersMax: 3, idleTimeoutS: 30, scalerType: "REQUEST_COUNT", scalerValue: 1 },
      },
    ]);
    const s = stack;
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) => s.submit("burst", { echo: i, sleepMs: 1_500 })),
    );
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, live(s, "burst").length);
    }, 20);
    try {
      const views = await Promise.all(ids.map((id) => s.waitDone("burst", id, 60_000)));
      expect(views.every((v) => v.status === "COMPLETED")).toBe(true);
      const workers = new Set(views.map((v) => (v.output as { worker: string }).worker));
      expect(workers.size).toBe(3);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBe(3);
  });

  it("keeps workersMin warm past the idle timeout", async () => {
    stack = await startStack([
      {
        id: "warm",
        worker: { command: sdkWorkerCommand() },
        scaling: { workersMin: 2, workersMax: 3, idleTimeoutS: 1 },
      },
    ]);
    const s = stack;
    await until(
      () => live(s, "warm").filter((w) => w.state === "idle").length === 2,
      30_000,
      "two idle workers",
    );
    const before = live(s, "warm").map((w) => w.id);
    await new Promise((r) => setTimeout(r, 2_500));
    expect(live(s, "warm").map((w) => w.id)).toEqual(before);
    const h = await s.health("warm");
    expect(h.workers.idle).toBe(2);
    expect(h.workers.ready).toBe(2);
  });

  it("replaces a worker killed by a signal", async () => {
    stack = await startStack([
      {
        id: "kill",
        worker: { command: sdkWorkerCommand() },
        scaling: { workersMin: 1, workersMax: 1, idleTimeoutS: 60 },
      },
    ]);
    const s = stack;
    const first = await until(() => live(s, "kill").find((w) => w.state === "idle"), 30_000, "first worker");
    process.kill(first.pid!, "SIGKILL");
    const second = await until(
      () => live(s, "kill").find((w) => w.id !== first.id && w.state === "idle"),
      30_000,
      "replacement",
    );
    expect(second.pid).not.toBe(first.pid);
    expect(s.supervision.supervisor.retired(first.id)?.why).toMatch(/crashed.*SIGKILL/);
    // One crash is not a crash loop.
    expect(s.supervision.supervisor.status("kill")?.crash.looping).toBe(false);
    const done = await s.waitDone("kill", await s.submit("kill", { echo: "after" }));
    expect((done.output as { worker: string }).worker).toBe(second.id);
  });

  it("kills a CPU-bound sync handler's process when its job times out, and starts a fresh worker", async () => {
    stack = await startStack([
      { id: "busy", worker: { command: sdkWorkerCommand() }, scaling: { workersMax: 1, idleTimeoutS: 60 } },
    ]);
    const s = stack;
    const stuck = await s.submit("busy", { busyMs: 120_000 }, { executionTimeout: 5_000 });
    const view = await s.waitDone("busy", stuck, 30_000);
    expect(view.status).toBe("TIMED_OUT");
    const victim = view.workerId!;
    const retired = await until(
      () => s.supervision.supervisor.retired(victim),
      30_000,
      "kill of the stuck worker",
    );
    expect(retired.why).toMatch(/killed: still running job/);
    expect(retired.exit.signal).toBe("SIGKILL");
    const next = await s.waitDone("busy", await s.submit("busy", { echo: "fresh" }), 30_000);
    expect(next.status).toBe("COMPLETED");
    expect((next.output as { worker: string }).worker).not.toBe(victim);
  });

  it("keeps a worker that stopped its timed-out job, though it pings no more once idle", async () => {
    stack = await startStack([
      { id: "calm", worker: { command: sdkWorkerCommand() }, scaling: { workersMax: 1, idleTimeoutS: 60 } },
    ]);
    const s = stack;
    const slow = await s.submit("calm", { sleepMs: 60_000 }, { executionTimeout: 5_000 });
    const view = await s.waitDone("calm", slow, 30_000);
    expect(view.status).toBe("TIMED_OUT");
    const worker = view.workerId!;
    // Past the overrun grace (3 s) and a job check: the ping after the stop told the supervisor the job is gone.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(s.supervision.supervisor.retired(worker)).toBeUndefined();
    const next = await s.waitDone("calm", await s.submit("calm", { echo: "same" }), 30_000);
    expect(next.status).toBe("COMPLETED");
    expect((next.output as { worker: string }).worker).toBe(worker);
  });

  it("recycles a refreshWorker worker after each job without counting it as a crash", async () => {
    stack = await startStack([
      {
        id: "fresh",
        worker: { command: sdkWorkerCommand("--refresh") },
        scaling: { workersMax: 1, idleTimeoutS: 60 },
      },
    ]);
    const s = stack;
    const a = await s.waitDone("fresh", await s.submit("fresh", { echo: 1 }));
    const b = await s.waitDone("fresh", await s.submit("fresh", { echo: 2 }));
    const wa = (a.output as { worker: string }).worker;
    expect((b.output as { worker: string }).worker).not.toBe(wa);
    const retired = await until(() => s.supervision.supervisor.retired(wa), 20_000, "first worker gone");
    // It exits by itself (code 0); should SIGTERM win the race, it is still a recycle, not a crash.
    expect(retired.exit.code === 0 || retired.exit.signal === "SIGTERM").toBe(true);
    expect(retired.why).not.toMatch(/crash/);
    expect(s.supervision.supervisor.status("fresh")?.crash.consecutive).toBe(0);
  });

  it("replaces a worker that never calls in, and backs off when it keeps happening", async () => {
    const hang = [
      process.execPath,
      "-e",
      "console.log('loading model forever'); setInterval(() => {}, 1000)",
    ];
    stack = await startStack([{ id: "hang", worker: { command: hang }, scaling: { workersMax: 1 } }], {
      startTimeoutMs: 800,
    });
    const s = stack;
    const id = await s.submit("hang", { echo: 1 });
    const view = await until(
      async () => {
        const v = await s.status("hang", id);
        return v.hint?.includes("keep crashing") ? v : undefined;
      },
      30_000,
      "crash-loop hint",
    );
    expect(view.hint).toMatch(/did not ask for a job within 1 s of starting/);
    const retiredIds = s.supervision.supervisor.status("hang")?.crash.last?.workerId;
    expect(s.supervision.supervisor.retired(retiredIds!)?.why).toMatch(/^unhealthy: did not ask/);
  });
});
