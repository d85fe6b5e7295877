/**
 * The engine trusts the values it is given; these are the checks it used to repeat, each made at the HTTP edge
 * with @gantry/protocol's rules, over real HTTP against a real engine.
 */
import { IDEMPOTENCY_KEY_INVALID } from "@gantry/protocol";
import { afterEach, describe, expect, test } from "vitest";
import { type Api, startApi, WORKER_SECRET } from "../__tests__/fixture.js";

let s: Api;
afterEach(async () => {
  await s?.close();
});

const LONG_ID = "j".repeat(201);

describe("submit", () => {
  test("a webhook with whitespace, or that no URL parser accepts, → 400 and no job", async () => {
    s = await startApi();
    for (const webhook of [
      "http://x/a b",
      " http://x/",
      "http://x/\t",
      "https://",
      "http://[::1",
      "mailto:a@b",
    ]) {
      const r = await s.call("/v2/ep1/run", { json: { input: 1, webhook } });
      expect(r.status, webhook).toBe(400);
      expect(r.json, webhook).toEqual({ error: "webhook: must be an http(s) URL" });
    }
    expect(await s.queued()).toBe(0);
    const ok = await s.call("/v2/ep1/run", { json: { input: 1, webhook: "HTTP://example.com/a%20b?x=1" } });
    expect(ok.status).toBe(200);
    expect((await s.take()).webhook).toBe("HTTP://example.com/a%20b?x=1");
  });

  test("a policy out of range is refused at the edge with the range's message", async () => {
    s = await startApi();
    const r = await s.call("/v2/ep1/run", { json: { input: 1, policy: { executionTimeout: 4999 } } });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: "policy.executionTimeout must be between 5000 and 604800000 ms" });
    expect(await s.queued()).toBe(0);
  });

  test("Idempotency-Key: protocol's rule and message; surrounding spaces are trimmed as HTTP does", async () => {
    s = await startApi();
    for (const key of ["a b", "naïve", "x".repeat(201)]) {
      const r = await s.call("/v2/ep1/run", { json: { input: 1 }, headers: { "idempotency-key": key } });
      expect(r.status, key).toBe(400);
      expect(r.json).toEqual({ error: IDEMPOTENCY_KEY_INVALID });
    }
    expect(IDEMPOTENCY_KEY_INVALID).toMatch(/printable ASCII characters without spaces$/);
    const first = await s.call("/v2/ep1/run", { json: { input: 1 }, headers: { "idempotency-key": "k-1" } });
    const again = await s.call("/v2/ep1/run", {
      json: { input: 2 },
      headers: { "idempotency-key": " k-1 " },
    });
    expect(first.status).toBe(200);
    expect(again.json.id).toBe(first.json.id);
    expect(await s.queued()).toBe(1);
  });

  test("other top-level fields reach the worker as one object beside input", async () => {
    s = await startApi();
    await s.submit({ a: 1 }, { webhookV2: "https://e/x", nested: { deep: [1] } });
    expect(await s.take()).toMatchObject({
      input: { a: 1 },
      webhookV2: "https://e/x",
      nested: { deep: [1] },
    });
  });
});

describe("job ids in paths", () => {
  test("an id over 200 characters is a job not found on every public job route", async () => {
    s = await startApi();
    for (const [method, route] of [
      ["GET", "status"],
      ["GET", "status-sync"],
      ["GET", "stream"],
      ["POST", "cancel"],
      ["POST", "retry"],
    ] as const) {
      const r = await s.call(`/v2/ep1/${route}/${LONG_ID}`, { method });
      expect(r.status, route).toBe(404);
      expect(r.json).toEqual({ error: `job ${LONG_ID} not found` });
    }
  });

  test("on the worker routes too, and per item of a job-done-batch", async () => {
    s = await startApi();
    const id = await s.submit();
    await s.take();
    for (const route of ["job-done", "job-stream"]) {
      const r = await s.worker(`/v2/ep1/${route}/w1/${LONG_ID}`, { output: 1 });
      expect(r.status, route).toBe(404);
      expect(r.json).toEqual({ error: `job ${LONG_ID} not found` });
    }
    const batch = await s.worker("/v2/ep1/job-done-batch/w1", [
      { id: LONG_ID, output: 1 },
      { id: "a.b", output: 1 },
      { id, output: 2 },
    ]);
    expect(batch.json.results).toEqual([
      { id: LONG_ID, ok: false, status: 404, error: `job ${LONG_ID} not found` },
      { id: "a.b", ok: false, status: 404, error: "job a.b not found" },
      { id, ok: true },
    ]);
    expect(await s.status(id)).toMatchObject({ status: "COMPLETED", output: 2 });
  });
});

describe("worker ids and counts", () => {
  test("a worker id over 200 characters → 400 saying so, on every worker route", async () => {
    s = await startApi();
    const long = "w".repeat(201);
    const error = `worker id "${"w".repeat(100)}…" is invalid; must be at most 200 characters`;
    for (const path of [`job-take/${long}`, `job-take-batch/${long}`, `job-stop/${long}`, `ping/${long}`]) {
      const r = await s.worker(`/v2/ep1/${path}`);
      expect(r.status, path).toBe(400);
      expect(r.json).toEqual({ error });
    }
    const done = await s.worker(`/v2/ep1/job-done/${long}/abc`, { output: 1 });
    expect(done.json).toEqual({ error });
  });

  test("batch_size and take: integers 1…1000, even when a larger maximum is configured", async () => {
    s = await startApi({ limits: { maxBatchSize: 5000 } });
    for (const raw of ["0", "1001", "1.5", "x", "-1"]) {
      const r = await s.worker(`/v2/ep1/job-take-batch/w1?batch_size=${raw}`);
      expect(r.status, raw).toBe(400);
      expect(r.json).toEqual({ error: "batch_size is invalid; must be an integer between 1 and 1000" });
    }
    const id = await s.submit();
    await s.take();
    const r = await s.worker(`/v2/ep1/job-done/w1/${id}?take=1001`, { output: 1 });
    expect(r.json).toEqual({ error: "take is invalid; must be an integer between 1 and 1000" });
    expect(await s.status(id)).toMatchObject({ status: "IN_PROGRESS" });
    for (let i = 0; i < 3; i++) await s.submit(i);
    const taken = await s.worker("/v2/ep1/job-take-batch/w2?batch_size=1000");
    expect(taken.json).toHaveLength(3);
  });
});

describe("job-done bodies and flags", () => {
  test("a body that is not a JSON object → 400 with the API's message; the job is untouched", async () => {
    s = await startApi();
    const id = await s.submit();
    await s.take();
    for (const body of ["[1,2]", '"x"', "null", "3"]) {
      const r = await s.worker(`/v2/ep1/job-done/w1/${id}?isStream=false`, body);
      expect(r.status, body).toBe(400);
      expect(r.json).toEqual({ error: "json is invalid: body must be a JSON object" });
    }
    const batch = await s.worker("/v2/ep1/job-done-batch/w1", [{ id, output: 1 }, null]);
    expect(batch.json).toEqual({ error: "item 1: must be a JSON object" });
    expect(await s.status(id)).toMatchObject({ status: "IN_PROGRESS" });
  });

  test("isStream counts only true, 1 or yes; anything else is a plain result, never refused", async () => {
    s = await startApi();
    const plain = await s.submit();
    await s.take();
    expect((await s.worker(`/v2/ep1/job-done/w1/${plain}?isStream=maybe`, { output: 1 })).status).toBe(200);
    expect((await s.store.jobs.get(plain))?.generator).toBeFalsy();
    const streamed = await s.submit();
    await s.take();
    expect((await s.worker(`/v2/ep1/job-done/w1/${streamed}?isStream=YES`, { output: 1 })).status).toBe(200);
    expect((await s.store.jobs.get(streamed))?.generator).toBe(true);
  });
});

describe("ping", () => {
  test("job_id with blanks, a version and an unhealthy check and reason are taken; reason cut at 512", async () => {
    s = await startApi();
    const id = await s.submit();
    await s.take();
    const r = await s.worker(`/v2/ep1/ping/w1?job_id=,${id},,%20&runpod_version=1.2.3`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({});
    const [w] = await s.engine.listWorkers("ep1");
    expect(w).toMatchObject({ id: "w1", version: "1.2.3" });
    await s.worker(`/v2/ep1/ping/w1?status=unhealthy&check=gpu&reason=${"r".repeat(600)}`);
    const health = await s.call("/v2/ep1/health");
    expect(health.json.workers.unhealthy).toBe(1);
    const [sick] = await s.engine.listWorkers("ep1");
    // The engine keeps 512 characters of a reason.
    expect(sick?.unhealthy).toMatchObject({ check: "gpu", reason: "r".repeat(512) });
  });
});

describe("event stream position", () => {
  test("Last-Event-ID: a non-negative integer, else 400 before the stream opens", async () => {
    s = await startApi();
    const id = await s.submit();
    for (const last of ["abc", "-1", "1.5"]) {
      const r = await s.call(`/v2/ep1/stream/${id}`, {
        headers: { accept: "text/event-stream", "last-event-id": last },
      });
      expect(r.status, last).toBe(400);
      expect(r.json).toEqual({ error: "Last-Event-ID is invalid; must be a non-negative integer" });
    }
    const q = await s.call(`/v2/ep1/stream/${id}?lastEventId=x`, {
      headers: { accept: "text/event-stream" },
    });
    expect(q.status).toBe(400);
  });
});

describe("admin worker routes", () => {
  test("a worker id of another shape is a worker not found", async () => {
    s = await startApi({ admin: { endpoints: () => [], listWorkers: async () => [] } });
    for (const id of ["a.b", "w".repeat(201)]) {
      const logs = await s.call(`/admin/v1/workers/${id}/logs`);
      expect(logs.status, id).toBe(404);
      expect(logs.json).toEqual({ error: `worker ${id} not found` });
      const stop = await s.call(`/admin/v1/workers/${id}/stop`, { method: "POST", body: "" });
      expect(stop.json).toEqual({ error: `worker ${id} not found` });
    }
    const unknown = await s.call("/admin/v1/workers/w1/logs");
    expect(unknown.json.error).toMatch(/^worker w1 not found \(only workers Gantry started/);
  });
});

test("the worker secret is still required before any id is looked at", async () => {
  s = await startApi();
  const r = await s.call(`/v2/ep1/job-take/${"w".repeat(201)}`, { auth: `${WORKER_SECRET}x` });
  expect(r.status).toBe(401);
});
