/**
 * Failures around a job: a worker killed with SIGKILL mid-job (the job is requeued when its lease lapses and
 * finished by another worker) and a server restart with jobs queued and running (nothing is lost).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Stack, startStack, until } from "./harness.js";

let stack: Stack | undefined;
let markers: string | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  if (markers) rmSync(markers, { recursive: true, force: true });
  markers = undefined;
});

const read = (file: string): string => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};

describe("e2e: recovery", () => {
  it("a worker killed with SIGKILL mid-job: the job is requeued and completed by another worker", async () => {
    markers = mkdtempSync(join(tmpdir(), "gantry-e2e-markers-"));
    const marker = join(markers, "kill.log");
    const s = await startStack({ endpoints: [{ id: "rec", maxRetries: 3 }], leaseMs: 4_000 });
    stack = s;
    const first = s.startWorker("rec", [], "rec-first");
    const id = await s.submit("rec", { mode: "sleep", ms: 2_000, marker });
    await until(() => read(marker).includes(`started ${id} rec-first`), 20_000, "first worker took the job");
    first.kill();
    const exit = await first.exited;
    expect(exit.signal).toBe("SIGKILL");
    expect((await s.status("rec", id)).body.status).toBe("IN_PROGRESS");

    s.startWorker("rec", [], "rec-second");
    const done = await s.waitDone("rec", id, 40_000);
    expect(done.status).toBe("COMPLETED");
    expect(done.workerId).toBe("rec-second");
    expect(done.retries).toBe(1);
    expect(done.output).toMatchObject({ worker: "rec-second", slept: 2_000 });
    expect(read(marker)).not.toContain(`finished ${id} rec-first`);
  }, 60_000);

  it("a server restart with jobs queued and running loses nothing", async () => {
    markers = mkdtempSync(join(tmpdir(), "gantry-e2e-markers-"));
    const marker = join(markers, "restart.log");
    const s = await startStack({ endpoints: [{ id: "rs" }], leaseMs: 4_000 });
    stack = s;
    s.startWorker("rs", [], "rs-worker");
    const running = await s.submit("rs", { mode: "sleep", ms: 3_000, marker, value: "running" });
    await until(() => read(marker).includes(`started ${running}`), 20_000, "job running");
    const queued = [
      await s.submit("rs", { value: "q1" }),
      await s.submit("rs", { value: "q2" }),
      await s.submit("rs", { value: "q3" }),
    ];
    expect((await s.status("rs", queued[2]!)).body.status).toBe("IN_QUEUE");

    await s.restartServer();

    // Same data dir, new process state: every job is still known.
    for (const id of [running, ...queued]) expect((await s.status("rs", id)).status).toBe(200);
    const first = await s.waitDone("rs", running, 40_000);
    expect(first.status).toBe("COMPLETED");
    // Either the reconnecting worker posted its result, or the job was requeued after its lease and rerun.
    expect(first.retries ?? 0).toBeLessThanOrEqual(1);
    expect(first.output).toMatchObject({ value: "running" });
    const rest = await Promise.all(queued.map((id) => s.waitDone("rs", id, 40_000)));
    expect(rest.map((v) => v.status)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(rest.map((v) => (v.output as { echo: string }).echo)).toEqual(["q1", "q2", "q3"]);
  }, 90_000);
});
