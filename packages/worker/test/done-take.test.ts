/**
 * Gantry's result post that also takes the next jobs (`job-done …&take=N` → `{"jobs":[…]}`): sent only to a
 * platform that showed `X-Gantry-Version`, only on a result's first attempt, and never when the worker must
 * take nothing; its jobs run like a job-take's, and an empty answer sends the worker back to job-take.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Job } from "../src/types.js";
import { deliveredIds, isDone, numberedJobs as jobs, type RunningWorker, startWorker } from "./harness.js";
import { RecordingServer } from "./recording-server.js";

let server: RecordingServer;
let worker: RunningWorker | undefined;

afterEach(async () => {
  if (worker) expect(await worker.stop()).toBe(0);
  worker = undefined;
  await server.close();
});

describe("result post that takes the next jobs", () => {
  it("is never sent to a platform without X-Gantry-Version (RunPod)", async () => {
    server = await RecordingServer.start({ holdMs: 1500 });
    worker = startWorker(server, { handler: (job: Job) => job.input });
    server.addJobs(...jobs("R", 3));
    await server.waitForCount(isDone(), 3);
    const done = server.requests.filter(isDone());
    expect(done.every((r) => !r.params.has("take"))).toBe(true);
    expect(done.map((r) => r.query)).toEqual([
      "gpu=SIM&isStream=false",
      "gpu=SIM&isStream=false",
      "gpu=SIM&isStream=false",
    ]);
    expect(server.byRoute("take").length).toBeGreaterThanOrEqual(3);
  });

  it("on Gantry: each result takes the next job, and an empty answer falls back to job-take", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    const ran: string[] = [];
    worker = startWorker(server, {
      handler: (job: Job) => {
        ran.push(job.id);
        return job.input;
      },
    });
    await server.waitFor((r) => r.route === "take");
    server.addJobs(...jobs("G", 3));
    await server.waitForCount(isDone(), 3);
    const done = server.requests.filter(isDone());
    expect(done.map((r) => r.jobId)).toEqual(["G1", "G2", "G3"]);
    expect(done.map((r) => r.params.get("take"))).toEqual(["1", "1", "1"]);
    // G3's answer was `{"jobs":[]}`: the worker is back on its job-take long-poll.
    const last = done[2];
    const fallback = await server.waitFor((r) => r.route === "take" && last !== undefined && r.at >= last.at);
    expect(fallback.query).toBe("gpu=SIM&job_in_progress=0");
    // G2 and G3 came with the results before them: no job-take between the first result and the last.
    const first = done[0];
    const between = server.byRoute("take").filter((r) => first && last && r.at > first.at && r.at < last.at);
    expect(between).toEqual([]);
    expect(ran).toEqual(["G1", "G2", "G3"]);
    // Back on job-take, a new job is taken and run as before.
    server.addJobs({ id: "G4", input: 4 });
    await server.waitFor(isDone("G4"));
    expect(ran).toEqual(["G1", "G2", "G3", "G4"]);
  });

  it("on Gantry at concurrency 4: every job runs exactly once and results take for their freed slot", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    const ran = new Map<string, number>();
    worker = startWorker(server, {
      concurrencyModifier: () => 4,
      handler: async (job: Job) => {
        ran.set(job.id, (ran.get(job.id) ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return job.input;
      },
    });
    server.addJobs(...jobs("C", 40));
    await server.waitFor(() => deliveredIds(server.requests).length >= 40, 20_000, "40 results");
    expect([...ran.values()].every((n) => n === 1)).toBe(true);
    expect(ran.size).toBe(40);
    // Results that finish together go in one job-done-batch: each result posted once, one way or the other.
    const delivered = deliveredIds(server.requests);
    expect(delivered).toHaveLength(40);
    expect(new Set(delivered).size).toBe(40);
    const posts = server.requests.filter((r) => isDone()(r) || r.route === "done-batch");
    const taken = posts.map((r) => Number(r.params.get("take") ?? 0));
    // A post asks for the slots free when it goes out, never more than the concurrency.
    expect(taken.every((k) => k >= 0 && k <= 4)).toBe(true);
    expect(taken.filter((k) => k > 0).length).toBeGreaterThan(posts.length / 2);
    expect(server.byRoute("take").length + server.byRoute("take-batch").length).toBeLessThan(20);
  });

  it("a retried result post does not ask again, and the worker takes through job-take meanwhile", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    let failed = false;
    server.overrides.done = (r) => {
      if (r.jobId !== "F1" || failed) return undefined;
      failed = true;
      return { status: 503, body: "busy" };
    };
    worker = startWorker(server, { handler: (job: Job) => job.input }, { retryDelaysMs: [300] });
    await server.waitFor((r) => r.route === "take");
    server.addJobs({ id: "F1", input: 1 });
    const attempts = () => server.requests.filter(isDone("F1"));
    await server.waitForCount(isDone("F1"), 2);
    expect(attempts().map((r) => r.params.get("take"))).toEqual(["1", null]);
    // The slot went back to the take loop when the first attempt failed, before the retry was sent.
    const [firstAttempt, retry] = attempts();
    const takeBetween = server
      .byRoute("take")
      .some((r) => firstAttempt && retry && r.at >= firstAttempt.at && r.at <= retry.at);
    expect(takeBetween).toBe(true);
  });

  it("a take the platform refuses (400) does not lose the result: the plain post follows", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    server.overrides.done = (r) =>
      r.params.has("take") ? { status: 400, body: '{"error":"take is invalid"}' } : undefined;
    worker = startWorker(server, { handler: (job: Job) => job.input }, { retryDelaysMs: [60_000] });
    await server.waitFor((r) => r.route === "take");
    server.addJobs({ id: "V1", input: 1 }, { id: "V2", input: 2 });
    await server.waitForCount(isDone(), 4);
    const done = server.requests.filter(isDone());
    expect(done.map((r) => [r.jobId, r.params.get("take")])).toEqual([
      ["V1", "1"],
      ["V1", null],
      ["V2", "1"],
      ["V2", null],
    ]);
  });

  it("a result that recycles the worker (stopPod) takes nothing", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    worker = startWorker(server, { handler: () => ({ refresh_worker: true, v: 1 }) });
    await server.waitFor((r) => r.route === "take");
    server.addJobs({ id: "S1", input: 1 }, { id: "S2", input: 2 });
    const recycle = await server.waitFor(isDone("S1"));
    expect(JSON.parse(recycle.body)).toMatchObject({ stopPod: true });
    expect(recycle.params.has("take")).toBe(false);
  });

  it("draining on shutdown takes nothing with the last result", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    let release!: () => void;
    const running = new Promise<void>((resolve) => {
      release = resolve;
    });
    const started: string[] = [];
    worker = startWorker(server, {
      handler: async (job: Job) => {
        started.push(job.id);
        await running;
        return job.input;
      },
    });
    await server.waitFor((r) => r.route === "take");
    server.addJobs({ id: "D1", input: 1 }, { id: "D2", input: 2 });
    while (started.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const exit = worker.stop();
    worker = undefined;
    release();
    expect(await exit).toBe(0);
    const last = server.requests.filter(isDone("D1"));
    expect(last).toHaveLength(1);
    expect(last[0]?.params.has("take")).toBe(false);
    expect(started).toEqual(["D1"]);
  });
});
