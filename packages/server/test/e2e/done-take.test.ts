/**
 * A result post that also takes the next job (`job-done …&take=N`, docs/protocol.md §13) end to end: a real server and a
 * real @gantry/worker process drain a queue, each job COMPLETED exactly once, with far fewer job-take requests
 * than jobs since most jobs arrive in the answer to the previous result. At high concurrency results finishing
 * together share one job-done-batch, so result requests are far fewer than jobs too.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JobView } from "../../src/domain/job.js";
import { type Stack, startStack, until } from "./harness.js";

const JOBS = 300;

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface Counts {
  done: number;
  batches: number;
  takes: number;
}

async function drain(concurrency: number): Promise<Counts> {
  const s = await startStack({ endpoints: [{ id: "dt" }] });
  stack = s;
  // Queued before the worker starts, so the queue never runs dry while it drains.
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) ids.push(await s.submit("dt", { value: i }));
  s.startWorker("dt", ["--concurrency", String(concurrency)]);

  await until(
    async () => {
      const h = await s.call<{ jobs: { completed: number } }>("GET", "/v2/dt/health");
      return h.body.jobs.completed === JOBS;
    },
    120_000,
    `${JOBS} jobs completed`,
  );
  const views = await Promise.all(ids.map((id) => s.status("dt", id)));
  views.forEach((v, i) => {
    expect(v.body).toMatchObject({ status: "COMPLETED", output: { echo: i } } as Partial<JobView>);
    // Taken once: no job went back to the queue or was retried.
    expect(v.body.retries ?? 0).toBe(0);
  });
  const counts = {
    done: await s.requestCount("/job-done/"),
    batches: await s.requestCount("/job-done-batch/"),
    takes: (await s.requestCount("/job-take/")) + (await s.requestCount("/job-take-batch/")),
  };
  // job-take only for the start and empty answers; no result refused, alone or in a batch.
  expect(counts.takes).toBeLessThan(JOBS / 10);
  const metrics = await s.call<string>("GET", "/metrics");
  expect(String(metrics.body)).not.toMatch(/route="[^"]*job-done[^"]*",status="4\d\d"/);
  return counts;
}

describe("e2e: result posts take the next job", () => {
  it("concurrency 1: 300 jobs, each COMPLETED once, one job-done each, few job-takes", async () => {
    // One job at a time: no two results are ever ready together, so none is batched.
    expect(await drain(1)).toMatchObject({ done: JOBS, batches: 0 });
  }, 180_000);

  it("concurrency 4: 300 jobs, each COMPLETED once, few job-takes", async () => {
    const { done, batches } = await drain(4);
    expect(done + batches).toBeLessThanOrEqual(JOBS);
  }, 180_000);

  it("concurrency 16: 300 jobs, each COMPLETED once, far fewer result requests than jobs", async () => {
    const { done, batches } = await drain(16);
    expect(batches).toBeGreaterThan(0);
    expect(done + batches).toBeLessThan(JOBS / 4);
  }, 180_000);
});
