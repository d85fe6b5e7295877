import { describe, expect, it } from "vitest";
import { type HintInput, healthHints, queueHint, telltaleLine } from "./hints.js";

const input = (over: Partial<HintInput> = {}): HintInput => ({
  now: 10_000,
  settings: { workersMin: 0, workersMax: 2, idleTimeoutS: 5, scalerType: "QUEUE_DELAY", scalerValue: 4 },
  managed: true,
  counts: { initializing: 0, idle: 0, running: 0, unhealthy: 0 },
  crash: { consecutive: 0, looping: false },
  ...over,
});

describe("hints", () => {
  it("says nothing when nothing is wrong", () => {
    expect(
      queueHint(input({ counts: { initializing: 0, idle: 1, running: 0, unhealthy: 0 } })),
    ).toBeUndefined();
  });

  it("tells a crash loop apart, with the exit and the telling line", () => {
    const h = queueHint(
      input({
        crash: {
          consecutive: 4,
          looping: true,
          nextStartAt: 14_000,
          last: {
            workerId: "ep-1",
            code: 1,
            signal: null,
            at: 9_000,
            lastLines: [
              "loading",
              "Traceback (most recent call last):",
              "ImportError: no module torch",
              "starting: x",
            ],
          },
        },
      }),
    );
    expect(h).toBe(
      "workers keep crashing (4 in a row): worker ep-1 exited with code 1: ImportError: no module torch; next attempt in 4 s",
    );
  });

  it("tells a cold start and a capacity shortage apart", () => {
    expect(queueHint(input({ counts: { initializing: 1, idle: 0, running: 0, unhealthy: 0 } }))).toMatch(
      /cold start/,
    );
    expect(queueHint(input({ counts: { initializing: 0, idle: 0, running: 2, unhealthy: 0 } }))).toBe(
      "all 2 workers are busy (workersMax 2)",
    );
    expect(queueHint(input({ settings: { ...input().settings, workersMax: 0 } }))).toMatch(/workersMax 0/);
    expect(queueHint(input({ managed: false }))).toMatch(/no worker is connected/);
  });

  it("health hints list the crash loop and unhealthy workers", () => {
    expect(healthHints(input(), ["worker w is unhealthy: silent"])).toEqual([
      "worker w is unhealthy: silent",
    ]);
  });

  it("picks the last error-looking line", () => {
    expect(telltaleLine(["a", "Error: x", "b"])).toBe("Error: x");
    expect(telltaleLine(["a", "b", ""])).toBe("b");
    expect(telltaleLine([])).toBeUndefined();
  });
});
