/**
 * One worker registry: the admin view, `/health` and the cold-start figures read the same records, updated as
 * the worker protocol happens — not at the supervisor's next tick. The tick here is an hour long (the first
 * worker is started by the submission's wake-up), so anything that waited for a tick would show up stale.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { workerEnv } from "../src/config/worker-env.js";
import type { HealthView } from "../src/engine/platform.js";
import {
  PY_WORKER,
  type Stack,
  sdkWorkerCommand,
  startStack,
  until,
  WORKER_SECRET,
} from "./supervision-harness.js";

const HOUR = 3_600_000;

interface AdminWorker {
  id: string;
  managed: boolean;
  state: string;
  jobs: number;
  coldStartMs?: number;
}

interface AdminDetail {
  managed: boolean;
  status: {
    counts: HealthView["workers"];
    workers: AdminWorker[];
    coldStart: { count: number; last?: number };
  };
}

let stack: Stack | undefined;
let byHand: ChildProcess | undefined;
let handDir: string | undefined;
afterEach(async () => {
  byHand?.kill("SIGKILL");
  byHand = undefined;
  await stack?.close();
  stack = undefined;
  if (handDir) rmSync(handDir, { recursive: true, force: true });
  handDir = undefined;
});

const detail = (s: Stack, ep: string) => s.get<AdminDetail>(`/admin/v1/endpoints/${ep}`);

/** The admin view and `/health`, read together. */
async function views(s: Stack, ep: string): Promise<{ admin: AdminDetail; health: HealthView }> {
  const [admin, health] = await Promise.all([detail(s, ep), s.health(ep)]);
  return { admin, health };
}

/** Within one admin answer, the listed workers add up to the counts (which are `/health`'s). */
function expectListMatchesCounts(d: AdminDetail): void {
  for (const state of ["idle", "initializing", "running", "unhealthy"] as const) {
    const listed = d.status.workers.filter((w) => w.state === state).length;
    expect(listed, state).toBe(d.status.counts[state]);
  }
}

describe("one worker registry behind the admin view, /health and the cold-start figures", () => {
  it.each([
    ["a Python worker speaking RunPod's protocol", ["python3", PY_WORKER]],
    ["an @gantry/worker worker", sdkWorkerCommand()],
  ])(
    "%s started by the autoscaler is idle, with its cold start counted, the moment its first answer is seen",
    async (_, command) => {
      stack = await startStack(
        [{ id: "auto", worker: { command }, scaling: { workersMax: 1, idleTimeoutS: 60 } }],
        {
          tickMs: HOUR,
        },
      );
      const s = stack;
      const id = await s.submit("auto", { echo: "first" });
      const done = await s.waitDone("auto", id);
      const { admin, health } = await views(s, "auto");

      expect(done.status).toBe("COMPLETED");
      expect(admin.status.workers).toEqual([
        expect.objectContaining({ id: done.workerId, managed: true, state: "idle", jobs: 0 }),
      ]);
      expect(admin.status.coldStart.count).toBe(1);
      expect(admin.status.workers[0]?.coldStartMs).toBe(admin.status.coldStart.last);
      expect(admin.status.counts).toMatchObject({
        idle: 1,
        ready: 1,
        initializing: 0,
        running: 0,
        unhealthy: 0,
      });
      expectListMatchesCounts(admin);
      expect(health.workers).toEqual(admin.status.counts);
      // The supervisor's own view is the same records.
      expect(s.supervision.supervisor.status("auto")?.workers.map((w) => w.state)).toEqual(["idle"]);
    },
  );

  it("a worker started by hand shows up alike in the admin view and /health, idle, busy and idle again", async () => {
    stack = await startStack([{ id: "auto", worker: { command: ["python3", PY_WORKER] } }, { id: "hand" }], {
      tickMs: HOUR,
    });
    const s = stack;
    handDir = mkdtempSync(join(tmpdir(), "gantry-by-hand-"));
    const env = workerEnv({
      publicUrl: s.url,
      endpointId: "hand",
      workerId: "by-hand-1",
      workerSecret: WORKER_SECRET,
      pingIntervalMs: 1_000,
    });
    byHand = spawn("python3", [PY_WORKER], {
      cwd: handDir,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: "ignore",
    });

    const joined = await until(
      async () => {
        const v = await views(s, "hand");
        return v.admin.status.workers.length > 0 ? v : undefined;
      },
      20_000,
      "the worker started by hand calls in",
    );
    expect(joined.admin.managed).toBe(false);
    expect(joined.admin.status.workers).toEqual([
      expect.objectContaining({ id: "by-hand-1", managed: false, state: "idle" }),
    ]);
    expectListMatchesCounts(joined.admin);
    expect(joined.health.workers).toMatchObject({ idle: 1, ready: 1, initializing: 0, running: 0 });

    const slow = await s.submit("hand", { sleep: 3, echo: "slow" });
    const busy = await until(
      async () => {
        const v = await views(s, "hand");
        return v.admin.status.workers[0]?.state === "running" ? v : undefined;
      },
      10_000,
      "the worker runs the job",
    );
    expectListMatchesCounts(busy.admin);
    expect(busy.health.workers).toMatchObject({ idle: 0, running: 1 });
    // A job queued behind it is not told that no worker is connected: the hints read the same registry.
    const queued = await s.submit("hand", { echo: "queued" });
    const waiting = await s.status("hand", queued);
    expect(waiting.status).toBe("IN_QUEUE");
    expect(waiting.hint ?? "").not.toMatch(/no worker is connected/);

    const done = await s.waitDone("hand", slow);
    expect((await s.waitDone("hand", queued)).status).toBe("COMPLETED");
    const after = await views(s, "hand");
    expect(done.workerId).toBe("by-hand-1");
    expect(after.admin.status.workers).toEqual([
      expect.objectContaining({ id: "by-hand-1", managed: false, state: "idle", jobs: 0 }),
    ]);
    expectListMatchesCounts(after.admin);
    expect(after.health.workers).toEqual(after.admin.status.counts);
    expect(after.health.workers).toMatchObject({ idle: 1, ready: 1, running: 0 });
    // Its start is unknown to Gantry: no cold start is counted for it.
    expect(after.admin.status.coldStart.count).toBe(0);
  });
});
