/**
 * On Gantry an idle worker's open job-take long-poll is its sign of life, so the heartbeat leaves out pings while
 * the worker holds no job and waits in one; it pings again as soon as it holds a job. Nor does it poll job-stop
 * while it holds no job (there is nothing to stop; the server keeps a stop until the next poll). Against RunPod
 * (no `X-Gantry-Version`) it pings at every interval and polls job-stop all the time, as Python does.
 */
import { afterEach, describe, expect, it } from "vitest";
import { gate, type RunningWorker, startWorker } from "./harness.js";
import { RecordingServer } from "./recording-server.js";

let server: RecordingServer;
let worker: RunningWorker | undefined;

afterEach(async () => {
  if (worker) expect(await worker.stop()).toBe(0);
  worker = undefined;
  await server.close();
});

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("pings of an idle worker", () => {
  it("on Gantry: the first ping goes, then none while it waits idle in job-take, and they resume with a job", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    const release = gate();
    worker = startWorker(server, {
      handler: async () => {
        await release.promise;
        return "ok";
      },
    });
    const running = worker;
    await server.waitFor((r) => r.route === "ping");
    await until(() => running.runtime.pingsSkipped >= 3, "three skipped pings");
    // Ping interval 1 s, first ping at 0.5 s, the first take (which shows X-Gantry-Version) held 1.5 s: at most
    // the ticks before that answer pinged; three interval ticks since went without a request.
    const idlePings = server.byRoute("ping").length;
    expect(idlePings).toBeGreaterThanOrEqual(1);
    expect(idlePings).toBeLessThanOrEqual(2);
    expect(server.byRoute("take").length).toBeGreaterThanOrEqual(3);

    server.addJobs({ id: "J1", input: null });
    const busy = await server.waitFor((r) => r.route === "ping" && r.query.includes("job_id=J1"));
    expect(busy.query).toContain("job_id=J1");
    release.open();
    await server.waitFor((r) => r.route === "done" && r.jobId === "J1");

    // Idle again: skipping resumes.
    const skippedBefore = running.runtime.pingsSkipped;
    await until(() => running.runtime.pingsSkipped >= skippedBefore + 2, "skips after the job");
  });

  it("on Gantry: no job-stop poll while idle; one starts with a job and still stops it", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    let aborted = false;
    worker = startWorker(server, {
      handler: (_job, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener("abort", () => {
            aborted = true;
            resolve("stopped");
          });
        }),
    });
    const running = worker;
    await until(() => running.runtime.pingsSkipped >= 3, "three skipped pings");
    // The first job-stop went out before the worker knew it talks to Gantry; none since.
    const idleStops = server.byRoute("stop").length;
    expect(idleStops).toBeGreaterThanOrEqual(1);
    expect(idleStops).toBeLessThanOrEqual(2);

    server.addJobs({ id: "S1", input: null });
    await server.waitForCount((r) => r.route === "stop", idleStops + 1);
    const busyPing = await server.waitFor((r) => r.route === "ping" && r.query.includes("job_id=S1"));
    server.stopJobs("S1");
    await until(() => aborted, "the handler's signal to abort");
    await new Promise((r) => setTimeout(r, 300));
    expect(server.requests.filter((r) => r.route === "done" && r.jobId === "S1")).toEqual([]);
    // The job was dropped without a result: the next ping still goes, without it, so the platform's supervisor
    // learns the worker stopped it (it would otherwise kill the worker for running a stopped job); then quiet.
    const after = await server.waitFor(
      (r) => r.route === "ping" && r.at > busyPing.at && !r.query.includes("job_id="),
    );
    expect(after.query).not.toContain("S1");
    const skipped = running.runtime.pingsSkipped;
    await until(() => running.runtime.pingsSkipped > skipped, "skipping to resume");
  });

  it("against RunPod (no X-Gantry-Version): pings at every interval while idle", async () => {
    server = await RecordingServer.start({ holdMs: 1500 });
    worker = startWorker(server, { handler: () => 1 });
    await server.waitForCount((r) => r.route === "ping", 4);
    expect(worker.runtime.pingsSkipped).toBe(0);
    // job-stop held 1.5 s, then 1 s apart after each empty answer: polled throughout.
    expect(server.byRoute("stop").length).toBeGreaterThanOrEqual(2);
    expect(server.byRoute("ping").every((r) => !r.query.includes("job_id="))).toBe(true);
  });
});
