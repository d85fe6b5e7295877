import { describe, expect, expectTypeOf, it } from "vitest";
import type { HealthStatus, HealthView } from "./health.js";
import { isTerminalStatus, JOB_STATUSES, type JobStatusName, TERMINAL_STATUSES } from "./job.js";

describe("job statuses", () => {
  it("six statuses, four of them terminal, CANCELLED included", () => {
    expect(JOB_STATUSES).toHaveLength(6);
    expect([...TERMINAL_STATUSES].sort()).toEqual(["CANCELLED", "COMPLETED", "FAILED", "TIMED_OUT"]);
    expect(JOB_STATUSES.filter((s) => isTerminalStatus(s))).toEqual([
      "COMPLETED",
      "FAILED",
      "CANCELLED",
      "TIMED_OUT",
    ]);
    expect(isTerminalStatus("IN_PROGRESS")).toBe(false);
    expect(isTerminalStatus("completed")).toBe(false);
  });

  it("a Gantry health view is a health status as any client reads it", () => {
    expectTypeOf<HealthView>().toExtend<HealthStatus>();
    expectTypeOf<HealthView["jobs"]["cancelled"]>().toEqualTypeOf<number>();
    expectTypeOf<HealthStatus["jobs"]["cancelled"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<(typeof JOB_STATUSES)[number]>().toEqualTypeOf<JobStatusName>();
  });
});
