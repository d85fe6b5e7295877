import { describe, expect, it } from "vitest";
import { JOB_STATUSES, type JobStatus } from "./job.js";
import {
  LIFECYCLE_EVENT_TYPES,
  type LifecycleEvent,
  type LifecycleEventType,
  sourcesOf,
  transition,
} from "./state-machine.js";

type Expect = JobStatus | "DELETED" | "terminal" | "refused";

/** Rows: current status. Columns: event. `lease-lost` is checked separately for both retry outcomes. */
const TABLE: Record<JobStatus, Record<Exclude<LifecycleEventType, "lease-lost">, Expect>> = {
  IN_QUEUE: {
    take: "IN_PROGRESS",
    "put-back": "refused",
    progress: "refused",
    complete: "refused",
    fail: "refused",
    cancel: "CANCELLED",
    timeout: "refused",
    expire: "DELETED",
    retry: "refused",
    purge: "DELETED",
    forget: "refused",
  },
  IN_PROGRESS: {
    take: "refused",
    "put-back": "IN_QUEUE",
    progress: "IN_PROGRESS",
    complete: "COMPLETED",
    fail: "FAILED",
    cancel: "CANCELLED",
    timeout: "TIMED_OUT",
    expire: "DELETED",
    retry: "refused",
    purge: "refused",
    forget: "refused",
  },
  COMPLETED: {
    take: "terminal",
    "put-back": "terminal",
    progress: "terminal",
    complete: "terminal",
    fail: "terminal",
    cancel: "terminal",
    timeout: "terminal",
    expire: "DELETED",
    retry: "refused",
    purge: "refused",
    forget: "DELETED",
  },
  FAILED: {
    take: "terminal",
    "put-back": "terminal",
    progress: "terminal",
    complete: "terminal",
    fail: "terminal",
    cancel: "terminal",
    timeout: "terminal",
    expire: "DELETED",
    retry: "IN_QUEUE",
    purge: "refused",
    forget: "DELETED",
  },
  CANCELLED: {
    take: "terminal",
    "put-back": "terminal",
    progress: "terminal",
    complete: "terminal",
    fail: "terminal",
    cancel: "terminal",
    timeout: "terminal",
    expire: "DELETED",
    retry: "refused",
    purge: "refused",
    forget: "DELETED",
  },
  TIMED_OUT: {
    take: "terminal",
    "put-back": "terminal",
    progress: "terminal",
    complete: "terminal",
    fail: "terminal",
    cancel: "terminal",
    timeout: "terminal",
    expire: "DELETED",
    retry: "IN_QUEUE",
    purge: "refused",
    forget: "DELETED",
  },
};

const LEASE_LOST: Record<JobStatus, { retriesLeft: Expect; exhausted: Expect }> = {
  IN_QUEUE: { retriesLeft: "refused", exhausted: "refused" },
  IN_PROGRESS: { retriesLeft: "IN_QUEUE", exhausted: "FAILED" },
  COMPLETED: { retriesLeft: "terminal", exhausted: "terminal" },
  FAILED: { retriesLeft: "terminal", exhausted: "terminal" },
  CANCELLED: { retriesLeft: "terminal", exhausted: "terminal" },
  TIMED_OUT: { retriesLeft: "terminal", exhausted: "terminal" },
};

function check(status: JobStatus, event: LifecycleEvent, expected: Expect): void {
  const r = transition(status, event);
  if (expected === "terminal") {
    expect(r).toMatchObject({ ok: false, reason: "already-terminal" });
  } else if (expected === "refused") {
    expect(r).toMatchObject({ ok: false, reason: "not-allowed" });
  } else {
    expect(r).toEqual({ ok: true, to: expected });
  }
  if (!r.ok) expect(r.message.length).toBeGreaterThan(0);
}

describe("transition", () => {
  it("the table covers every status and every event", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...JOB_STATUSES].sort());
    for (const s of JOB_STATUSES) {
      expect([...Object.keys(TABLE[s]), "lease-lost"].sort()).toEqual([...LIFECYCLE_EVENT_TYPES].sort());
    }
  });

  for (const status of JOB_STATUSES) {
    for (const [type, expected] of Object.entries(TABLE[status])) {
      it(`${status} × ${type} → ${expected}`, () => {
        check(status, { type } as LifecycleEvent, expected);
      });
    }
    it(`${status} × lease-lost (retries left) → ${LEASE_LOST[status].retriesLeft}`, () => {
      check(status, { type: "lease-lost", retries: 0, maxRetries: 3 }, LEASE_LOST[status].retriesLeft);
      check(status, { type: "lease-lost", retries: 2, maxRetries: 3 }, LEASE_LOST[status].retriesLeft);
    });
    it(`${status} × lease-lost (retries exhausted) → ${LEASE_LOST[status].exhausted}`, () => {
      check(status, { type: "lease-lost", retries: 3, maxRetries: 3 }, LEASE_LOST[status].exhausted);
      check(status, { type: "lease-lost", retries: 0, maxRetries: 0 }, LEASE_LOST[status].exhausted);
    });
  }

  it("retry refusals carry the message the API shows", () => {
    const r = transition("COMPLETED", { type: "retry" });
    expect(r).toEqual({
      ok: false,
      reason: "not-allowed",
      message: "job is COMPLETED; only FAILED or TIMED_OUT jobs can be retried",
    });
  });

  it("sourcesOf derives the accepted statuses from the table", () => {
    expect(sourcesOf({ type: "take" })).toEqual(["IN_QUEUE"]);
    expect(sourcesOf({ type: "cancel" })).toEqual(["IN_QUEUE", "IN_PROGRESS"]);
    expect(sourcesOf({ type: "retry" })).toEqual(["FAILED", "TIMED_OUT"]);
    expect(sourcesOf({ type: "expire" })).toEqual([...JOB_STATUSES]);
    expect(sourcesOf({ type: "forget" })).toEqual(["COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"]);
  });
});
