/**
 * The SDK's production loop against a recording platform on loopback: the exact requests of the
 * transcripts in docs/protocol.md (Appendix A).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { progressUpdate } from "../src/runtime/progress.js";
import type { Job } from "../src/types.js";
import { version } from "../src/version.js";
import { gate, isDone, json, type RunningWorker, startWorker } from "./harness.js";
import { RecordingServer } from "./recording-server.js";

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

describe("single job: take, result, headers", () => {
  it("matches the Appendix A transcript", async () => {
    worker = startWorker(server, {
      handler: (job: Job) => ({ echo: job.input, keys: Object.keys(job).sort() }),
    });
    server.addJobs({
      id: "job-1",
      input: { x: 1 },
      webhook: "http://example.invalid/hook",
      policy: { ttl: 1000 },
    });
    const done = await server.waitFor(isDone("job-1"));

    const take = server.byRoute("take")[0]!;
    expect(take.method).toBe("GET");
    expect(take.path).toBe("/v2/ep1/job-take/wkr1");
    expect(take.query).toBe("gpu=SIM&job_in_progress=0");
    expect(take.headers.authorization).toBe("secretkey");

    expect(done.method).toBe("POST");
    expect(done.path).toBe("/v2/ep1/job-done/wkr1/job-1");
    expect(done.query).toBe("gpu=SIM&isStream=false");
    expect(done.headers.authorization).toBe("secretkey");
    expect(json(done)).toEqual({ output: { echo: { x: 1 }, keys: ["id", "input", "policy", "webhook"] } });

    // The next take comes after the result, still with nothing in progress.
    const next = await server.waitFor((r) => r.route === "take" && r.at >= done.at);
    expect(next.query).toBe("gpu=SIM&job_in_progress=0");
    // X-Request-ID names the job on its result only; unlike Python it never leaks onto later requests.
    expect(done.headers["x-request-id"]).toBe("job-1");
    expect(next.headers["x-request-id"]).toBeUndefined();
  });

  it("posts the job-done bodies of docs/protocol.md §6", async () => {
    const results: Record<string, unknown> = {
      plain: 7,
      nested: { output: 1 },
      errorOnly: { error: "bad" },
      errorAndMore: { error: "bad", partial: 2 },
      empty: {},
      nothing: undefined,
      refresh: { refresh_worker: true, v: 1 },
    };
    worker = startWorker(server, {
      handler: (job: Job<string>) => {
        if (job.input === "throw") throw new TypeError("thrown here");
        return results[job.input];
      },
    });
    for (const key of [...Object.keys(results), "throw"]) server.addJobs({ id: `J-${key}`, input: key });
    await server.waitForCount(isDone(), Object.keys(results).length + 1);
    const body = (id: string) => json(server.requests.find(isDone(id))!);
    expect(body("J-plain")).toEqual({ output: 7 });
    expect(body("J-nested")).toEqual({ output: { output: 1 } });
    expect(body("J-errorOnly")).toEqual({ error: "bad" });
    expect(body("J-errorAndMore")).toEqual({ output: { partial: 2 }, error: "bad" });
    expect(body("J-empty")).toEqual({});
    expect(body("J-nothing")).toEqual({ output: null });
    expect(body("J-refresh")).toEqual({ output: { v: 1 }, stopPod: true });
    const thrown = body("J-throw") as { error: string };
    const info = JSON.parse(thrown.error);
    expect(info).toMatchObject({
      error_type: "<class 'TypeError'>",
      error_message: "thrown here",
      hostname: "unknown",
      worker_id: "wkr1",
      runpod_version: version,
    });
    // refresh_worker in a returned object only marks the result: the worker keeps taking jobs.
    await server.waitFor((r) => r.route === "take" && r.at > server.requests.find(isDone("J-throw"))!.at);
  });
});

describe("concurrency and batch take", () => {
  it("takes a batch of concurrency size and reports held jobs on pings", async () => {
    const release = gate();
    const started: string[] = [];
    worker = startWorker(server, {
      handler: async (job: Job) => {
        started.push(job.id);
        await release.promise;
        return job.id;
      },
      concurrencyModifier: () => 3,
    });
    const firstTake = await server.waitFor((r) => r.route.startsWith("take"));
    expect(firstTake.route).toBe("take-batch");
    expect(firstTake.path).toBe("/v2/ep1/job-take-batch/wkr1");
    expect(firstTake.query).toBe("gpu=SIM&batch_size=3&job_in_progress=0");
    server.addJobs({ id: "C1", input: 1 }, { id: "C2", input: 2 }, { id: "C3", input: 3 });
    const busyPing = await server.waitFor((r) => r.route === "ping" && r.query.includes("job_id="));
    expect(busyPing.query).toBe(`gpu=SIM&job_id=C1%2CC2%2CC3&runpod_version=${version}`);
    expect(started.sort()).toEqual(["C1", "C2", "C3"]);
    expect(server.byRoute("done")).toHaveLength(0);
    release.open();
    await server.waitForCount(isDone(), 3);
    const lastDone = Math.max(...server.byRoute("done").map((r) => r.at));
    // Once idle again the worker asks for a full batch (single takes may come in between while slots free up).
    await server.waitFor(
      (r) =>
        r.route === "take-batch" && r.query === "gpu=SIM&batch_size=3&job_in_progress=0" && r.at > lastDone,
      10_000,
    );
  });

  it("asks for one job with job_in_progress=1 while one of two slots is busy", async () => {
    const release = gate();
    worker = startWorker(server, {
      handler: async () => {
        await release.promise;
        return "ok";
      },
      concurrencyModifier: () => 2,
    });
    await server.waitFor((r) => r.route === "take-batch");
    server.addJobs({ id: "A1", input: null });
    const single = await server.waitFor((r) => r.route === "take");
    expect(single.query).toBe("gpu=SIM&job_in_progress=1");
    release.open();
    await server.waitFor(isDone("A1"));
  });

  it("clamps a non-positive concurrency to 1 with a warning and keeps working", async () => {
    worker = startWorker(server, { handler: () => "fine", concurrencyModifier: () => 0 });
    server.addJobs({ id: "Z1", input: null });
    expect(json(await server.waitFor(isDone("Z1")))).toEqual({ output: "fine" });
    expect(server.byRoute("take-batch")).toHaveLength(0);
    expect(worker.lines.filter((l) => l.includes("concurrencyModifier returned 0"))).toHaveLength(1);
  });
});

describe("streaming", () => {
  it("posts each chunk in order, then the aggregate with isStream=true", async () => {
    worker = startWorker(server, {
      handler: async function* () {
        for (let i = 0; i < 3; i++) yield { i };
      },
      returnAggregateStream: true,
    });
    server.addJobs({ id: "J1", input: null });
    const done = await server.waitFor(isDone("J1"));
    const streams = server.byRoute("stream");
    expect(streams.map((r) => r.path)).toEqual(Array(3).fill("/v2/ep1/job-stream/wkr1/J1"));
    expect(streams.map((r) => r.query)).toEqual(Array(3).fill("gpu=SIM&isStream=false"));
    expect(streams.map(json)).toEqual([{ output: { i: 0 } }, { output: { i: 1 } }, { output: { i: 2 } }]);
    expect(Math.max(...streams.map((r) => r.at))).toBeLessThanOrEqual(done.at);
    expect(done.query).toBe("gpu=SIM&isStream=true");
    expect(json(done)).toEqual({ output: [{ i: 0 }, { i: 1 }, { i: 2 }] });
  });

  it("ends with [] without aggregation and reports an error chunk as the result", async () => {
    worker = startWorker(server, {
      handler: function* (job: Job<string>) {
        yield "a";
        if (job.input === "fail") yield { error: "stream failed" };
        yield "b";
      },
    });
    server.addJobs({ id: "OK", input: "ok" }, { id: "BAD", input: "fail" });
    const ok = await server.waitFor(isDone("OK"));
    const bad = await server.waitFor(isDone("BAD"));
    expect(json(ok)).toEqual({ output: [] });
    expect(json(bad)).toEqual({ error: "stream failed" });
    expect(bad.query).toBe("gpu=SIM&isStream=true");
    expect(
      server
        .byRoute("stream")
        .filter((r) => r.jobId === "BAD")
        .map(json),
    ).toEqual([{ output: "a" }]);
  });
});

describe("progress", () => {
  it("delivers updates in order and before the final result, even on a slow platform", async () => {
    let calls = 0;
    server.overrides.done = (r) => {
      calls++;
      // The first progress post is the slowest, so an unordered sender would let later ones overtake it.
      return r.body.includes("IN_PROGRESS")
        ? { status: 200, body: "{}", delayMs: calls === 1 ? 400 : 20 }
        : undefined;
    };
    worker = startWorker(server, {
      handler: (job: Job, ctx) => {
        void ctx.progress({ pct: 50 });
        void progressUpdate(job, "almost");
        void ctx.progress(3, "three of ten");
        return "done";
      },
    });
    server.addJobs({ id: "P1", input: null });
    await server.waitFor(isDone("P1"));
    const posts = server.byRoute("done").filter((r) => r.jobId === "P1");
    expect(posts.map((r) => r.query)).toEqual(Array(4).fill("gpu=SIM&isStream=false"));
    expect(posts.map(json)).toEqual([
      { status: "IN_PROGRESS", output: { pct: 50 } },
      { status: "IN_PROGRESS", output: "almost" },
      { status: "IN_PROGRESS", output: { progress: 3, message: "three of ten" } },
      { output: "done" },
    ]);
  });

  it("drops progress sent after the job finished", async () => {
    let late: (() => Promise<void>) | undefined;
    worker = startWorker(server, {
      handler: (_job: Job, ctx) => {
        late = () => ctx.progress("too late");
        return 1;
      },
    });
    server.addJobs({ id: "L1", input: null });
    await server.waitFor(isDone("L1"));
    await late?.();
    expect(server.byRoute("done").filter((r) => r.body.includes("too late"))).toHaveLength(0);
  });
});

describe("heartbeat", () => {
  it("pings without job_id when idle", async () => {
    worker = startWorker(server, { handler: () => 1 });
    const ping = await server.waitFor((r) => r.route === "ping");
    expect(ping.method).toBe("GET");
    expect(ping.path).toBe("/v2/ep1/ping/wkr1");
    expect(ping.query).toBe(`gpu=SIM&runpod_version=${version}`);
    expect(ping.headers.authorization).toBe("secretkey");
    await server.waitForCount((r) => r.route === "ping", 2);
  });

  it("does not start without RUNPOD_POD_ID, and says why", async () => {
    worker = startWorker(server, { handler: () => 1 }, { env: { RUNPOD_POD_ID: undefined } });
    const take = await server.waitFor((r) => r.route === "take");
    // The worker id is then a random uuid (used in URLs), and no ping is sent.
    expect(take.workerId).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 1500));
    expect(server.byRoute("ping")).toHaveLength(0);
    expect(worker.lines.some((l) => l.includes("Heartbeat not started: RUNPOD_POD_ID not set."))).toBe(true);
  });
});

describe("job-stop", () => {
  it("aborts exactly the named job and posts nothing for it", async () => {
    const release = gate();
    const aborted: string[] = [];
    worker = startWorker(server, {
      handler: async (job: Job, ctx) => {
        ctx.signal.addEventListener("abort", () => aborted.push(job.id));
        await Promise.race([
          release.promise,
          new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)),
        ]);
        return job.id;
      },
      concurrencyModifier: () => 3,
    });
    server.addJobs({ id: "S1", input: 1 }, { id: "S2", input: 2 }, { id: "S3", input: 3 });
    await server.waitFor((r) => r.route === "ping" && r.query.includes("S1%2CS2%2CS3"));
    const stop = await server.waitFor((r) => r.route === "stop");
    expect(stop.path).toBe("/v2/ep1/job-stop/wkr1");
    expect(stop.query).toBe("gpu=SIM");
    server.stopJobs("S2", "not-mine");
    const after = await server.waitFor(
      (r) => r.route === "ping" && r.query.includes("job_id=") && !r.query.includes("S2"),
    );
    expect(after.query).toContain("job_id=S1%2CS3");
    expect(aborted).toEqual(["S2"]);
    release.open();
    await server.waitForCount(isDone(), 2);
    // Give a wrongly posted S2 result time to show up before asserting its absence.
    await server.waitFor((r) => r.route.startsWith("take") && r.at > after.at);
    expect(
      server
        .byRoute("done")
        .map((r) => r.jobId)
        .sort(),
    ).toEqual(["S1", "S3"]);
    expect(worker.lines.some((l) => l.includes("S2") && l.includes("Job stopped."))).toBe(true);
  });
});

describe("result delivery", () => {
  it("retries a result on 5xx", async () => {
    let failures = 2;
    server.overrides.done = () => (failures-- > 0 ? { status: 503, body: "busy" } : undefined);
    worker = startWorker(server, { handler: () => "kept" });
    server.addJobs({ id: "R1", input: null });
    await server.waitForCount(isDone("R1"), 3);
    await new Promise((r) => setTimeout(r, 300));
    const posts = server.byRoute("done");
    expect(posts).toHaveLength(3);
    expect(posts.map(json)).toEqual(Array(3).fill({ output: "kept" }));
  });

  it("retries a result through connection refused until the platform is back", async () => {
    const later = await RecordingServer.start();
    const port = later.port;
    await later.close();
    worker = startWorker(
      server,
      { handler: () => "survived" },
      {
        env: {
          RUNPOD_WEBHOOK_POST_OUTPUT: `http://127.0.0.1:${port}/v2/ep1/job-done/$RUNPOD_POD_ID/$ID?gpu=SIM`,
        },
        retryDelaysMs: [300, 600, 1200, 2400],
      },
    );
    server.addJobs({ id: "C1", input: null });
    await new Promise((r) => setTimeout(r, 400));
    const revived = await RecordingServer.start({ port });
    try {
      const done = await revived.waitFor(isDone("C1"), 10_000);
      expect(json(done)).toEqual({ output: "survived" });
      expect(worker.lines.some((l) => l.includes("retry 1"))).toBe(true);
    } finally {
      await revived.close();
    }
  });

  it("does not retry a 4xx and moves on to the next job", async () => {
    server.overrides.done = (r) => (r.jobId === "X1" ? { status: 404, body: "unknown job" } : undefined);
    worker = startWorker(server, { handler: (job: Job) => job.id });
    server.addJobs({ id: "X1", input: null });
    await server.waitFor(isDone("X1"));
    server.addJobs({ id: "X2", input: null });
    await server.waitFor(isDone("X2"));
    expect(server.byRoute("done").filter((r) => r.jobId === "X1")).toHaveLength(1);
    expect(worker.lines.some((l) => l.includes("refused") && l.includes("404"))).toBe(true);
  });
});

describe("bad input from the platform", () => {
  it("survives a job without id and a non-JSON body, then runs a good job", async () => {
    const replies = [
      { status: 200, body: JSON.stringify({ input: { no: "id" } }), contentType: "application/json" },
      { status: 200, body: "<html>oops</html>", contentType: "text/html" },
      {
        status: 200,
        body: JSON.stringify([{ input: 1 }, { id: "B2", input: 2 }]),
        contentType: "application/json",
      },
    ];
    server.overrides.take = () => replies.shift();
    worker = startWorker(server, { handler: (job: Job) => job.input });
    expect(json(await server.waitFor(isDone("B2")))).toEqual({ output: 2 });
    server.addJobs({ id: "GOOD", input: "g" });
    expect(json(await server.waitFor(isDone("GOOD")))).toEqual({ output: "g" });
    expect(worker.lines.some((l) => l.includes("Job has missing field(s): id or input."))).toBe(true);
    expect(worker.lines.some((l) => l.includes("not JSON"))).toBe(true);
    expect(worker.lines.some((l) => l.includes("Job without a string id dropped"))).toBe(true);
  });

  it("keeps the request rate low against a platform that always answers 500", async () => {
    server.overrides.take = () => ({ status: 500, body: "down" });
    server.overrides.stop = () => ({ status: 500, body: "down" });
    worker = startWorker(server, { handler: () => 1 });
    await new Promise((r) => setTimeout(r, 2000));
    expect(server.byRoute("take").length).toBeGreaterThanOrEqual(1);
    expect(server.byRoute("take").length).toBeLessThan(20);
    expect(server.byRoute("stop").length).toBeLessThan(20);
  });

  it("backs off 5 s after a 429", async () => {
    let first = true;
    server.overrides.take = () => {
      if (!first) return undefined;
      first = false;
      return { status: 429, body: "slow down" };
    };
    worker = startWorker(server, { handler: () => 1 });
    const takes = () => server.byRoute("take");
    await server.waitForCount((r) => r.route === "take", 2, 15_000);
    const gap = takes()[1]!.at - takes()[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(4500);
  });

  it("does not spin against a platform that answers 204 at once", async () => {
    server.overrides.take = () => ({ status: 204 });
    worker = startWorker(server, { handler: () => 1 });
    await new Promise((r) => setTimeout(r, 2000));
    expect(server.byRoute("take").length).toBeLessThan(20);
  });
});

describe("shutdown in-process", () => {
  it("finishes and posts a running job, then resolves 0", async () => {
    const release = gate();
    worker = startWorker(server, {
      handler: async () => {
        await release.promise;
        return "drained";
      },
    });
    server.addJobs({ id: "D1", input: null });
    await server.waitFor((r) => r.route === "ping" && r.query.includes("D1"));
    worker.runtime.shutdown("test");
    setTimeout(release.open, 200);
    expect(await worker.exit).toBe(0);
    expect(json(server.requests.find(isDone("D1"))!)).toEqual({ output: "drained" });
    worker = undefined;
  });
});

describe("shutdown grace period", () => {
  it("aborts jobs still running after the grace period and posts nothing for them", async () => {
    let sawAbort = false;
    worker = startWorker(
      server,
      {
        handler: async (_job: Job, ctx) => {
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          sawAbort = true;
          throw ctx.signal.reason;
        },
      },
      { env: { GANTRY_SHUTDOWN_GRACE_MS: "300" } },
    );
    server.addJobs({ id: "G1", input: null });
    await server.waitFor((r) => r.route === "ping" && r.query.includes("G1"));
    worker.runtime.shutdown("test");
    expect(await worker.exit).toBe(0);
    expect(sawAbort).toBe(true);
    expect(server.byRoute("done")).toHaveLength(0);
    expect(worker.lines.some((l) => l.includes("Grace period over"))).toBe(true);
    worker = undefined;
  });
});
