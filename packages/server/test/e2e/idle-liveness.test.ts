/**
 * An idle @gantry/worker on Gantry stops pinging while it waits in a job-take long-poll, and the server counts
 * the open long-poll as its sign of life: the worker stays in /health (idle, ready) far past the lease after
 * which a quiet worker is forgotten, and takes a job at once when one arrives. (Pings every 1 s, lease 2 s, job-take
held 5 s: between two renewals the worker says nothing for longer than a lease.)
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Stack, startStack, until } from "./harness.js";

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

interface Health {
  workers: { idle: number; ready: number };
}

describe("e2e: an idle worker's long-poll is its sign of life", () => {
  it("stays registered without pinging, well past the lease", async () => {
    const s = await startStack({ endpoints: [{ id: "il" }], leaseMs: 2_000, config: { takeHoldMs: 5_000 } });
    stack = s;
    s.startWorker("il");
    // The answer to the first job-take shows X-Gantry-Version; from the second on the worker waits quietly.
    await until(async () => (await s.requestCount("/job-take/")) >= 2, 30_000, "a second job-take");
    const pingsBefore = await s.requestCount("/ping/");
    // Six ping intervals, three leases: a worker that neither pinged nor polled would have been forgotten.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      const h = await s.call<Health>("GET", "/v2/il/health");
      expect(h.body.workers).toMatchObject({ idle: 1, ready: 1 });
    }
    // Tick races aside (one ping may have been under way), the worker stopped pinging while idle.
    expect((await s.requestCount("/ping/")) - pingsBefore).toBeLessThanOrEqual(1);

    const id = await s.submit("il", { value: 7 });
    const done = await s.waitDone("il", id, 20_000);
    expect(done.status).toBe("COMPLETED");
  });
});
