/**
 * Gantry's job-done-batch: results that become ready together go in one request (with `take` for the slots they
 * free), only to a platform that showed `X-Gantry-Version`; a lone result and a stopPod result go through job-done.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { HandlerContext, Job } from "../src/types.js";
import {
  deliveredIds,
  isDone,
  numberedJobs as jobs,
  json,
  type RunningWorker,
  startWorker,
} from "./harness.js";
import { type RecordedRequest, RecordingServer } from "./recording-server.js";

let server: RecordingServer;
let worker: RunningWorker | undefined;

afterEach(async () => {
  if (worker) expect(await worker.stop()).toBe(0);
  worker = undefined;
  await server.close();
});

const batches = () => server.byRoute("done-batch");
const allDelivered = (n: number) => server.waitFor(() => deliveredIds(server.requests).length >= n, 15_000);

describe("job-done-batch", () => {
  it("results that finish together go in one batch that takes for every freed slot", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    server.addJobs(...jobs("B", 8));
    worker = startWorker(server, { concurrencyModifier: () => 8, handler: (job: Job) => job.input });
    await allDelivered(8);
    const [first] = batches();
    expect(first?.path).toBe("/v2/ep1/job-done-batch/wkr1");
    expect(first?.query).toBe("gpu=SIM&take=8");
    expect(json(first as RecordedRequest)).toEqual(jobs("B", 8).map((j) => ({ id: j.id, output: j.input })));
    expect(server.requests.filter(isDone())).toEqual([]);
  });

  it("a platform without X-Gantry-Version (RunPod) never sees job-done-batch", async () => {
    server = await RecordingServer.start({ holdMs: 1500 });
    server.addJobs(...jobs("R", 8));
    worker = startWorker(server, { concurrencyModifier: () => 8, handler: (job: Job) => job.input });
    await server.waitForCount(isDone(), 8);
    expect(batches()).toEqual([]);
    expect(server.requests.filter(isDone()).every((r) => !r.params.has("take"))).toBe(true);
  });

  it("is retried as a unit on 5xx, without take; the other results wait for nothing", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    let failed = false;
    server.overrides["done-batch"] = () => {
      if (failed) return undefined;
      failed = true;
      return { status: 503, body: "busy" };
    };
    server.addJobs(...jobs("U", 4));
    worker = startWorker(server, { concurrencyModifier: () => 4, handler: (job: Job) => job.input });
    await server.waitForCount((r) => r.route === "done-batch", 2);
    const [attempt, retry] = batches();
    expect(attempt?.params.get("take")).toBe("4");
    expect(retry?.params.has("take")).toBe(false);
    expect(retry?.body).toBe(attempt?.body);
    expect((json(retry as RecordedRequest) as { id: string }[]).map((i) => i.id)).toEqual([
      "U1",
      "U2",
      "U3",
      "U4",
    ]);
    expect(worker.lines.filter((l) => l.includes("retry 1 in 50 ms")).length).toBe(4);
  });

  it("a per-item refusal is logged on that job; the rest are delivered", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    server.overrides["done-batch"] = (r) => ({
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({
        results: (JSON.parse(r.body) as { id: string }[]).map((i) =>
          i.id === "P2"
            ? { id: i.id, ok: false, status: 404, error: "job P2 not found" }
            : { id: i.id, ok: true },
        ),
      }),
    });
    server.addJobs(...jobs("P", 3));
    worker = startWorker(server, { concurrencyModifier: () => 3, handler: (job: Job) => job.input });
    await allDelivered(3);
    await expect.poll(() => worker?.lines.filter((l) => l.includes("Finished.")).length).toBe(3);
    const refused = worker.lines.filter((l) => l.includes("Platform refused the result"));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toContain("P2");
    expect(refused[0]).toContain("HTTP 404: job P2 not found");
  });

  it("a whole-batch refusal sends each result alone; a 404 (no such route) turns batching off", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    server.overrides["done-batch"] = () => ({ status: 404, body: '{"error":"not found"}' });
    server.addJobs(...jobs("N", 3));
    worker = startWorker(server, { concurrencyModifier: () => 3, handler: (job: Job) => job.input });
    await server.waitForCount(isDone(), 3);
    expect(new Set(server.requests.filter(isDone()).map((r) => r.jobId))).toEqual(
      new Set(["N1", "N2", "N3"]),
    );
    const before = batches().length;
    server.addJobs(...jobs("M", 3));
    await server.waitForCount(isDone(), 6);
    expect(batches().length).toBe(before);
    expect(worker.lines.some((l) => l.includes("refused"))).toBe(false);
  });

  it("a stopPod result goes alone through job-done and takes nothing; the others are batched", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    server.addJobs(...jobs("S", 3));
    worker = startWorker(server, {
      concurrencyModifier: () => 3,
      handler: (job: Job) => (job.id === "S2" ? { refresh_worker: true, v: 2 } : job.input),
    });
    const recycle = await server.waitFor(isDone("S2"));
    expect(JSON.parse(recycle.body)).toMatchObject({ stopPod: true });
    expect(recycle.params.has("take")).toBe(false);
    await allDelivered(3);
    const batched = batches().flatMap((r) => (json(r) as { id: string }[]).map((i) => i.id));
    expect(batched).toEqual(["S1", "S3"]);
  });

  it("progress goes before the batch carrying its job's result", async () => {
    server = await RecordingServer.start({ holdMs: 1500, gantry: true });
    server.addJobs(...jobs("Q", 2));
    worker = startWorker(server, {
      concurrencyModifier: () => 2,
      handler: async (job: Job, ctx: HandlerContext) => {
        await ctx.progress(`half of ${job.id}`);
        return job.input;
      },
    });
    await allDelivered(2);
    const progressAt = server.requests.findIndex((r) => r.route === "done" && r.body.includes("IN_PROGRESS"));
    const resultAt = server.requests.findIndex((r) => r.route === "done-batch" || isDone()(r));
    expect(progressAt).toBeGreaterThanOrEqual(0);
    expect(progressAt).toBeLessThan(resultAt);
    expect(server.requests.filter((r) => r.body.includes("IN_PROGRESS"))).toHaveLength(2);
  });
});
