import { afterEach, describe, expect, it } from "vitest";
import { PY_WORKER, type Stack, startStack, until } from "./supervision-harness.js";

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const py = (...args: string[]) => ({ command: ["python3", PY_WORKER, ...args] });

describe("supervision with a plain Python worker", () => {
  it("scales from zero on the first job and back to zero after the idle timeout", async () => {
    stack = await startStack([{ id: "py", worker: py(), scaling: { workersMax: 2, idleTimeoutS: 1 } }]);
    const s = stack;
    expect(s.supervision.supervisor.status("py")?.workers).toEqual([]);

    const id = await s.submit("py", { echo: "hello" });
    const done = await s.waitDone("py", id);
    expect(done.status).toBe("COMPLETED");
    const out = done.output as { echo: string; worker: string; cwd: string };
    expect(out.echo).toBe("hello");
    // The worker ran in its own directory and the job's delay includes its cold start.
    expect(out.cwd).toContain(`workers/${out.worker}`);
    const cold = await until(() => {
      const c = s.supervision.supervisor.status("py")?.coldStart;
      return c && c.count > 0 ? c : undefined;
    });
    expect(cold.count).toBe(1);
    expect(done.delayTime).toBeGreaterThanOrEqual((cold.p50 ?? 0) - 50);

    // Idle timeout 1 s: the worker is stopped with SIGTERM and exits cleanly.
    await until(() => s.supervision.supervisor.status("py")?.workers.length === 0, 20_000, "scale to zero");
    const retired = s.supervision.supervisor.retired(out.worker);
    expect(retired?.why).toBe("idle-timeout");
    expect(retired?.exit.code).toBe(0);
    const h = await s.health("py");
    expect(h.workers.idle + h.workers.running + h.workers.initializing).toBe(0);
  });

  it("recycles a worker that returns stopPod, without handing it another job", async () => {
    stack = await startStack([{ id: "py", worker: py(), scaling: { workersMax: 1, idleTimeoutS: 60 } }]);
    const s = stack;
    const first = await s.submit("py", { echo: 1, refresh: true });
    const second = await s.submit("py", { echo: 2 });
    const a = await s.waitDone("py", first);
    const b = await s.waitDone("py", second);
    const wa = (a.output as { worker: string }).worker;
    const wb = (b.output as { worker: string }).worker;
    expect(wa).not.toBe(wb);
    const retired = await until(() => s.supervision.supervisor.retired(wa), 20_000, "recycled worker exit");
    expect(retired.why).toMatch(/stopPod/);
  });

  it("reports a crash-looping worker as unhealthy with its exit code and output, and backs off", async () => {
    stack = await startStack([
      { id: "py", worker: py("--crash", "3"), scaling: { workersMin: 1, workersMax: 1 } },
    ]);
    const s = stack;
    const id = await s.submit("py", { echo: "never" });
    const st = await until(
      async () => {
        const v = await s.status("py", id);
        return v.hint?.includes("keep crashing") ? v : undefined;
      },
      30_000,
      "crash-loop hint",
    );
    expect(st.status).toBe("IN_QUEUE");
    expect(st.hint).toMatch(/exited with code 3: fatal: model file missing/);
    const h = await s.health("py");
    expect(h.workers.unhealthy).toBeGreaterThanOrEqual(1);
    expect(h.hints?.join("\n")).toMatch(/keep crashing .*code 3/);
    const sup = s.supervision.supervisor.status("py");
    expect(sup?.crash.looping).toBe(true);
    expect(sup?.crash.last?.code).toBe(3);
    expect(sup?.crash.last?.lastLines.join("\n")).toMatch(/model file missing/);

    // Back-off: crashes slow down instead of restarting in a tight loop.
    const before = sup?.crash.consecutive ?? 0;
    await new Promise((r) => setTimeout(r, 1_500));
    const after = s.supervision.supervisor.status("py")?.crash.consecutive ?? 0;
    expect(after - before).toBeLessThanOrEqual(2);

    // Settings change at run time: workersMax 0 stops the restarts.
    s.supervision.supervisor.updateScaling("py", { workersMin: 0, workersMax: 0 });
    await until(() => s.supervision.supervisor.status("py")?.workers.length === 0, 10_000, "no workers");
    const settled = s.supervision.supervisor.status("py")?.crash.consecutive ?? 0;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(s.supervision.supervisor.status("py")?.crash.consecutive).toBe(settled);
    expect(s.supervision.supervisor.status("py")?.workers).toEqual([]);
  });
});
