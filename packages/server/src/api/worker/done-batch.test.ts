import { afterEach, describe, expect, test } from "vitest";
import { type Api, startApi } from "../__tests__/fixture.js";

let s: Api;
afterEach(async () => {
  await s?.close();
});

const batchUrl = (workerId: string, query = "") => `/v2/ep1/job-done-batch/${workerId}?gpu=none${query}`;

describe("job-done-batch (Gantry extension)", () => {
  test("applies every result as job-done does and answers per item", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    const a = await s.submit("a");
    const b = await s.submit("b");
    const c = await s.submit("c");
    const other = await s.submit("other");
    await s.take("w1");
    await s.take("w1");
    await s.take("w1");
    await s.take("w2");
    await s.done("w1", c, { output: "first" });
    const r = await s.worker(batchUrl("w1"), [
      { id: a, output: { n: 1 } },
      { id: b, error: "boom" },
      // Already finished: accepted and ignored, as a repeated job-done is.
      { id: c, output: "second" },
      { id: other, output: 1 },
      { id: "nope", output: 1 },
      { id: "bad id!", output: 1 },
    ]);
    expect(r.status).toBe(200);
    expect(r.headers["x-gantry-version"]).toBeDefined();
    expect(r.json).toEqual({
      results: [
        { id: a, ok: true },
        { id: b, ok: true },
        { id: c, ok: true },
        { id: other, ok: false, status: 404, error: expect.any(String) },
        { id: "nope", ok: false, status: 404, error: expect.any(String) },
        { id: "bad id!", ok: false, status: 404, error: "job bad id! not found" },
      ],
    });
    expect(await s.status(a)).toMatchObject({ status: "COMPLETED", output: { n: 1 } });
    expect(await s.status(b)).toMatchObject({ status: "FAILED", error: "boom" });
    expect(await s.status(c)).toMatchObject({ status: "COMPLETED", output: "first" });
    expect(await s.status(other)).toMatchObject({ status: "IN_PROGRESS", workerId: "w2" });
  });

  test("isStream finishes a streaming job as job-done's isStream=true does", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000 } });
    const batched = await s.submit();
    const plain = await s.submit();
    await s.take("w1");
    await s.take("w1");
    await s.chunk("w1", batched, "chunk");
    await s.chunk("w1", plain, "chunk");
    const r = await s.worker(batchUrl("w1"), [{ id: batched, isStream: true }]);
    expect(r.json).toEqual({ results: [{ id: batched, ok: true }] });
    await s.done("w1", plain, {}, true);
    expect(await s.store.jobs.get(batched)).toMatchObject({ status: "COMPLETED", generator: true });
    expect(await s.store.jobs.get(plain)).toMatchObject({ generator: true });
  });

  test("whole-request problems answer {error} and apply nothing", async () => {
    s = await startApi({ limits: { takeHoldMs: 1000, maxBatchSize: 3, resultBytes: 1024 } });
    const a = await s.submit("a");
    const b = await s.submit("b");
    await s.submit("queued");
    await s.take("w1");
    await s.take("w1");
    const ok = { id: a, output: 1 };
    const cases: [unknown, number, RegExp][] = [
      ["{not json", 400, /json is invalid/],
      [{ id: a, output: 1 }, 400, /must be a JSON array/],
      [[], 400, /between 1 and 3/],
      [[ok, ok, ok, ok], 400, /between 1 and 3/],
      [[ok, "x"], 400, /item 1: must be a JSON object/],
      [[ok, { output: 1 }], 400, /item 1: id/],
      [[ok, { id: b, isStream: "yes" }], 400, /item 1: isStream/],
      [[ok, { id: b, status: 3 }], 400, /item 1: status/],
      [[ok, { id: b, status: "IN_PROGRESS", output: "1/2" }], 400, /item 1: progress/],
      [[ok, { id: b, output: "x".repeat(2048) }], 413, /batch is too large/],
    ];
    for (const [body, status, error] of cases) {
      const r = await s.worker(batchUrl("w1", "&take=1"), body);
      expect(r.status, JSON.stringify(body).slice(0, 60)).toBe(status);
      expect(Object.keys(r.json)).toEqual(["error"]);
      expect(r.json.error).toMatch(error);
    }
    const badTake = await s.worker(batchUrl("w1", "&take=9"), [ok]);
    expect(badTake.status).toBe(400);
    const unauth = await s.call(batchUrl("w1"), { body: JSON.stringify([ok]), auth: "wrong" });
    expect(unauth.status).toBe(401);
    const noEndpoint = await s.worker("/v2/nope/job-done-batch/w1", [ok]);
    expect(noEndpoint.status).toBe(404);
    expect(await s.status(a)).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });
    expect(await s.status(b)).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });
    // Nothing was taken either.
    expect(await s.queued()).toBe(1);
  });

  test("take answers up to N jobs beside the results, without holding; stopPod takes nothing", async () => {
    s = await startApi({ limits: { takeHoldMs: 10_000 } });
    const a = await s.submit("a");
    const b = await s.submit("b");
    const next1 = await s.submit(1);
    const next2 = await s.submit(2);
    const next3 = await s.submit(3);
    await s.take("w1");
    await s.take("w1");
    const r = await s.worker(batchUrl("w1", "&take=2"), [
      { id: a, output: 1 },
      { id: b, output: 2 },
    ]);
    expect(r.status).toBe(200);
    expect(r.json.results).toEqual([
      { id: a, ok: true },
      { id: b, ok: true },
    ]);
    expect(r.json.jobs.map((j: { id: string }) => j.id)).toEqual([next1, next2]);
    expect(await s.status(next1)).toMatchObject({ status: "IN_PROGRESS", workerId: "w1" });

    const started = Date.now();
    const recycle = await s.worker(batchUrl("w1", "&take=4"), [
      { id: next1, output: 1 },
      { id: next2, output: 2, stopPod: true },
    ]);
    expect(recycle.json).toEqual({
      results: [
        { id: next1, ok: true },
        { id: next2, ok: true },
      ],
      jobs: [],
    });
    expect(await s.status(next3)).toMatchObject({ status: "IN_QUEUE" });
    expect(await s.queued()).toBe(1);

    // An empty queue answers at once rather than holding the long-poll.
    await s.take("w2");
    const empty = await s.worker(batchUrl("w2", "&take=3"), [{ id: next3, output: 3 }]);
    expect(empty.json).toEqual({ results: [{ id: next3, ok: true }], jobs: [] });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
