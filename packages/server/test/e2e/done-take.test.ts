/**
 * A result post that also takes the next job (`job-done …&take=N`, issue #6) end to end: a real server and a
 * real @gantry/worker process drain a queue, each job COMPLETED exactly once, with far fewer job-take requests
 * than jobs since most jobs arrive in the answer to the previous result.
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

async function drain(concurrency: number): Promise<void> {
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
  // One result post per job (plus none refused), and job-take only for the start and empty answers.
  const donePosts = await s.requestCount("job-done");
  const takes = (await s.requestCount("/job-take/")) + (await s.requestCount("/job-take-batch/"));
  expect(donePosts).toBe(JOBS);
  expect(takes).toBeLessThan(JOBS / 10);
  const refused = await s.call<string>("GET", "/metrics");
  expect(String(refused.body)).not.toMatch(/route="[^"]*job-done[^"]*",status="4\d\d"/);
}

describe("e2e: result posts take the next job", () => {
  it("concurrency 1: 300 jobs, each COMPLETED once, few job-takes", async () => {
    await drain(1);
  }, 180_000);

  it("concurrency 4: 300 jobs, each COMPLETED once, few job-takes", async () => {
    await drain(4);
  }, 180_000);
});
