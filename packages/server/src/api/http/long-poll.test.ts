import { getEventListeners } from "node:events";
import { afterEach, expect, test } from "vitest";
import { type Api, startApi, until, WORKER_SECRET } from "../__tests__/fixture.js";

let s: Api | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

test("long-polls share one shutdown listener, release it when they end, and all end on shutdown", async () => {
  const shutdown = new AbortController();
  s = await startApi({ shutdownSignal: shutdown.signal, limits: { takeHoldMs: 60_000 } });
  const api = s;
  // Finished long-polls (a job answered at once) leave nothing registered on the shutdown signal.
  for (let i = 0; i < 5; i++) {
    await api.submit();
    expect((await api.call("/v2/ep1/job-take/w1", { auth: WORKER_SECRET })).status).toBe(200);
  }
  const polls = [1, 2, 3].map((n) => api.call(`/v2/ep1/job-take/w${n + 1}`, { auth: WORKER_SECRET }));
  await until(() => api.engine.waiters.sleeping("queue:ep1") === 3);
  expect(getEventListeners(shutdown.signal, "abort").length).toBe(1);
  shutdown.abort();
  for (const p of polls) expect((await p).status).toBe(204);
});

test("a long-poll whose client leaves is released at once", async () => {
  s = await startApi({ limits: { takeHoldMs: 60_000 } });
  const api = s;
  const gone = new AbortController();
  const poll = api
    .call("/v2/ep1/job-take/w1", { auth: WORKER_SECRET, signal: gone.signal })
    .catch(() => "aborted");
  await until(() => api.engine.waiters.sleeping("queue:ep1") === 1);
  gone.abort();
  expect(await poll).toBe("aborted");
  await until(() => api.engine.waiters.sleeping("queue:ep1") === 0);
});
