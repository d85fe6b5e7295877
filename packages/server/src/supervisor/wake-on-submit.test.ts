/**
 * Cold start is event-driven: a job queued on an endpoint with no live worker starts one at once, not at the next
 * tick. The tick here is an hour long, so only the wake-up can bring the worker in time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Stack, sdkWorkerCommand, startStack, until } from "../../test/supervision-harness.js";

const HOUR = 3_600_000;

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Lets the loop's first pass (armed at 0 ms by start()) run, then waits for it: the queue is empty then. */
async function afterFirstPass(s: Stack): Promise<void> {
  // A 1 ms timer set now expires after the loop's earlier one, so that pass has begun when this resolves.
  await new Promise((r) => setTimeout(r, 1));
  await s.supervision.supervisor.tick();
}

const liveWorkers = (s: Stack, ep: string) =>
  (s.supervision.supervisor.status(ep)?.workers ?? []).filter((w) => w.stopping === undefined);

describe("wake on submit", () => {
  it("starts the first worker of an endpoint scaled to zero when a job is submitted", async () => {
    stack = await startStack(
      [{ id: "zero", worker: { command: sdkWorkerCommand() }, scaling: { workersMin: 0, workersMax: 1 } }],
      { tickMs: HOUR },
    );
    const s = stack;
    await afterFirstPass(s);
    expect(liveWorkers(s, "zero")).toHaveLength(0);

    const id = await s.submit("zero", { echo: "cold" });
    await until(() => liveWorkers(s, "zero").length === 1, 10_000, "a worker started by the submission");
    const view = await s.waitDone("zero", id, 30_000);
    expect(view.status).toBe("COMPLETED");
    expect(view.output).toMatchObject({ echo: "cold" });
  });

  it("leaves an endpoint with a live worker to the tick (no extra worker per submission)", async () => {
    stack = await startStack(
      [
        {
          id: "busy",
          worker: { command: sdkWorkerCommand() },
          scaling: { workersMin: 0, workersMax: 3, scalerType: "REQUEST_COUNT", scalerValue: 1 },
        },
      ],
      { tickMs: HOUR },
    );
    const s = stack;
    await afterFirstPass(s);
    const first = await s.submit("busy", { sleepMs: 200 });
    await until(() => liveWorkers(s, "busy").length === 1, 10_000, "a worker started by the submission");
    // REQUEST_COUNT 1 would want three workers for three jobs, but only the tick scales beyond the first.
    const more = await Promise.all([s.submit("busy", { echo: 1 }), s.submit("busy", { echo: 2 })]);
    expect(liveWorkers(s, "busy")).toHaveLength(1);
    for (const id of [first, ...more])
      expect((await s.waitDone("busy", id, 30_000)).status).toBe("COMPLETED");
    expect(liveWorkers(s, "busy")).toHaveLength(1);
  });
});
