import { afterEach, describe, expect, test } from "vitest";
import { type Api, startApi, WORKER_SECRET } from "../__tests__/fixture.js";
import { gatedTake } from "../__tests__/gated-take.js";

let s: Api;
afterEach(async () => {
  await s?.close();
});

const doneUrl = (workerId: string, jobId: string, query = "") =>
  `/v2/ep1/job-done/${workerId}/${jobId}?gpu=none&isStream=false${query}`;

describe("job-done with take (Gantry extension)", () => {
  test("accepts the result and answers up to N jobs, IN_PROGRESS for that worker, in job-take's shape", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    const first = await s.submit(0);
    const second = await s.submit(1);
    const third = await s.submit(2);
    const fourth = await s.submit(3);
    expect((await s.take("w1")).id).toBe(first);
    const r = await s.worker(doneUrl("w1", first, "&take=2"), { output: "ok" });
    expect(r.status).toBe(200);
    expect(r.headers["x-gantry-version"]).toBeDefined();
    expect(r.json).toEqual({
      jobs: [
        {
          id: second,
          input: 1,
          policy: { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false },
        },
        {
          id: third,
          input: 2,
          policy: { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false },
        },
      ],
    });
    expect(await s.status(first)).toMatchObject({ status: "COMPLETED", output: "ok" });
    expect(await s.status(second)).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });
    expect(await s.status(third)).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });
    expect(await s.status(fourth)).toMatchObject({ status: "IN_QUEUE" });
    // The jobs are the worker's as if taken by job-take: its results are accepted.
    expect((await s.worker(doneUrl("w1", second), { output: 2 })).json).toEqual({});
    expect(await s.status(second)).toMatchObject({ status: "COMPLETED", output: 2 });
  });

  test("an empty queue answers {jobs: []} at once, without holding", async () => {
    s = await startApi({ limits: { takeHoldMs: 10_000 } });
    const id = await s.submit();
    await s.take("w1");
    const started = Date.now();
    const r = await s.worker(doneUrl("w1", id, "&take=4"), { output: 1 });
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"jobs":[]}');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await s.status(id)).toMatchObject({ status: "COMPLETED" });
  });

  test("without take the answer stays exactly {}", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    const id = await s.submit();
    await s.submit();
    await s.take("w1");
    const r = await s.worker(doneUrl("w1", id), { output: 1 });
    expect(r.status).toBe(200);
    expect(r.text).toBe("{}");
    expect(await s.queued()).toBe(1);
  });

  test("a refused result answers the error and takes nothing", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    const id = await s.submit();
    await s.submit();
    await s.take("w1");
    // Another worker's job, and an unknown job.
    const other = await s.worker(doneUrl("w2", id, "&take=1"), { output: 1 });
    expect(other.status).toBe(404);
    expect(other.json).toEqual({ error: expect.any(String) });
    const unknown = await s.worker(doneUrl("w2", "nope", "&take=1"), { output: 1 });
    expect(unknown.status).toBe(404);
    expect(await s.queued()).toBe(1);
    expect(await s.status(id)).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });
  });

  test("stopPod, a progress post and an oversized result take nothing", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000, resultBytes: 1024 } });
    const a = await s.submit("a");
    const b = await s.submit("b");
    const c = await s.submit("c");
    await s.submit("queued");
    expect((await s.take("w1")).id).toBe(a);
    expect((await s.take("w2")).id).toBe(b);
    expect((await s.take("w3")).id).toBe(c);

    const progress = await s.worker(doneUrl("w1", a, "&take=1"), { status: "IN_PROGRESS", output: "1/2" });
    expect(progress.json).toEqual({ jobs: [] });
    expect(await s.status(a)).toMatchObject({ status: "IN_PROGRESS" });

    const recycle = await s.worker(doneUrl("w1", a, "&take=1"), { output: 1, stopPod: true });
    expect(recycle.json).toEqual({ jobs: [] });
    expect(await s.status(a)).toMatchObject({ status: "COMPLETED" });

    const big = await s.worker(doneUrl("w2", b, "&take=1"), { output: "x".repeat(4096) });
    expect(big.status).toBe(400);
    expect(big.json.error).toMatch(/result is too large/);
    expect(await s.queued()).toBe(1);

    // A worker being recycled is refused jobs here as on job-take.
    const after = await s.worker(doneUrl("w1", a, "&take=1"), { output: 1 });
    expect(after.json).toEqual({ jobs: [] });
    expect(await s.queued()).toBe(1);
  });

  test("an invalid take → 400 before the result is applied", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000, maxBatchSize: 8 } });
    const id = await s.submit();
    await s.submit();
    await s.take("w1");
    for (const bad of ["", "0", "-1", "abc", "1.5", "9", "1e2"]) {
      const r = await s.worker(doneUrl("w1", id, `&take=${bad}`), { output: 1 });
      expect(r.status, bad).toBe(400);
      expect(r.json).toEqual({ error: "take is invalid; must be an integer between 1 and 8" });
    }
    expect(await s.status(id)).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });
    expect(await s.queued()).toBe(1);
    expect((await s.worker(doneUrl("w1", id, "&take=8"), { output: 1 })).json.jobs).toHaveLength(1);
  });

  // Both result routes hand their jobs out through `answerWithJobs`.
  test.each([
    {
      route: "job-done",
      url: (id: string) => doneUrl("w1", id, "&take=1"),
      body: () => ({ output: 1 }),
    },
    {
      route: "job-done-batch",
      url: () => "/v2/ep1/job-done-batch/w1?gpu=none&take=1",
      body: (id: string) => [{ id, output: 1 }],
    },
  ])(
    "$route: jobs answered to a connection that closed first go back to the queue, not as a retry",
    async ({ url, body }) => {
      // The first take is the fixture's job-take; hold the one made for the result post.
      const gated = gatedTake({ holdCall: 2 });
      s = await startApi({ limits: { takeHoldMs: 1000 }, platform: gated.install });
      const id = await s.submit(1);
      const next = await s.submit(2);
      await s.take("w1");
      const ac = new AbortController();
      const pending = s
        .call(url(id), { auth: WORKER_SECRET, body: JSON.stringify(body(id)), signal: ac.signal })
        .catch(() => "aborted");
      await gated.inTake;
      ac.abort();
      expect(await pending).toBe("aborted");
      // A whole request on a new connection: the server has handled the aborted connection's close by then.
      expect((await s.worker("/v2/ep1/ping/w9")).status).toBe(200);
      gated.release();
      expect(await gated.putBackDone).toEqual([next]);
      expect(await s.status(id)).toMatchObject({ status: "COMPLETED" });
      const back = await s.store.jobs.get(next);
      expect(back).toMatchObject({ status: "IN_QUEUE", retries: 0 });
      expect(back?.workerId).toBeUndefined();
      expect((await s.take("w2")).id).toBe(next);
    },
  );
});
