/**
 * Speed of the production loop without giving up the protocol's order: a finished job's result post runs
 * beside the next take, a result that recycles the worker still comes before any further take, and a platform
 * that is slow to accept results slows the worker down instead of piling results up.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Job } from "../src/types.js";
import { gate, isDone, type RunningWorker, startWorker } from "./harness.js";
import { type CannedReply, RecordingServer } from "./recording-server.js";

let server: RecordingServer;
let worker: RunningWorker | undefined;

beforeEach(async () => {
  server = await RecordingServer.start({ holdMs: 1500 });
});

afterEach(async () => {
  if (worker) expect(await worker.stop()).toBe(0);
  worker = undefined;
  await server.close();
});

/** A job-done answer held back until `until` settles. */
const heldReply = (until: Promise<unknown>): CannedReply => ({
  status: 200,
  body: "{}",
  contentType: "application/json",
  until,
});

/** Gives the worker ample time to do what it must not do; absence cannot be awaited. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

describe("job loop", () => {
  it("takes, runs and posts the next job while the previous result is still being posted", async () => {
    const held = gate();
    server.overrides.done = (r) => (r.jobId === "J1" ? heldReply(held.promise) : undefined);
    worker = startWorker(server, { handler: (job: Job) => job.input });
    server.addJobs({ id: "J1", input: 1 }, { id: "J2", input: 2 });
    const first = await server.waitFor(isDone("J1"));
    // J1's post is unanswered; with the post and the take serialised J2 would never get here.
    const second = await server.waitFor(isDone("J2"), 10_000, "J2's result while J1's is held");
    expect(second.at).toBeGreaterThanOrEqual(first.at);
    const takes = server.byRoute("take");
    expect(takes.length).toBeGreaterThanOrEqual(2);
    // A job whose result is in flight is not "in progress": concurrency 1 still asks with 0, as Python does.
    expect(takes.every((t) => t.query === "gpu=SIM&job_in_progress=0")).toBe(true);
    held.open();
  });

  it("names a job on pings until its result is delivered", async () => {
    const held = gate();
    server.overrides.done = (r) => (r.jobId === "P1" ? heldReply(held.promise) : undefined);
    worker = startWorker(server, { handler: () => "ok" });
    server.addJobs({ id: "P1", input: null });
    const posted = await server.waitFor(isDone("P1"));
    const ping = await server.waitFor(
      (r) => r.route === "ping" && r.at > posted.at,
      10_000,
      "a ping after the post",
    );
    expect(ping.params.get("job_id")).toBe("P1");
    held.open();
    // Delivered: the next pings are idle again.
    const delivered = Date.now();
    const idle = await server.waitFor(
      (r) => r.route === "ping" && r.at > delivered + 50 && !r.params.has("job_id"),
      10_000,
      "an idle ping",
    );
    expect(idle.params.get("job_id")).toBeNull();
  });

  it("posts a result that recycles the worker (stopPod) before taking anything else", async () => {
    const held = gate();
    server.overrides.done = (r) => (r.jobId === "R1" ? heldReply(held.promise) : undefined);
    worker = startWorker(server, {
      handler: (job: Job) => (job.input === "recycle" ? { refresh_worker: true, v: 1 } : "ok"),
    });
    server.addJobs({ id: "R1", input: "recycle" }, { id: "R2", input: "next" });
    const recycle = await server.waitFor(isDone("R1"));
    expect(JSON.parse(recycle.body)).toEqual({ output: { v: 1 }, stopPod: true });
    const takes = server.byRoute("take").length;
    await settle();
    expect(server.byRoute("take")).toHaveLength(takes);
    held.open();
    // refresh_worker in a returned object keeps the worker: it takes R2 once R1's result is accepted.
    await server.waitFor(isDone("R2"), 10_000, "R2's result after R1's was accepted");
  });

  it("keeps at most `concurrency` results in flight beside the running jobs", async () => {
    const held = gate();
    server.overrides.done = () => heldReply(held.promise);
    worker = startWorker(server, { handler: (job: Job) => job.input });
    server.addJobs(
      { id: "B1", input: 1 },
      { id: "B2", input: 2 },
      { id: "B3", input: 3 },
      { id: "B4", input: 4 },
    );
    // Concurrency 1: one result in flight, the next job taken and finished; then it waits.
    await server.waitForCount(isDone(), 2);
    const takes = server.byRoute("take").length;
    await settle();
    expect(server.byRoute("take")).toHaveLength(takes);
    expect(server.requests.filter(isDone())).toHaveLength(2);
    held.open();
    await server.waitForCount(isDone(), 4, 10_000);
    expect(
      server.requests
        .filter(isDone())
        .map((r) => r.jobId)
        .sort(),
    ).toEqual(["B1", "B2", "B3", "B4"]);
  });
});
