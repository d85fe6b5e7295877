import { describe, expect, it } from "vitest";
import {
  isExecuting,
  JOB_EVENT_TYPES,
  type JobEvent,
  type JobEventType,
  type JobPhase,
  type JobResult,
  occupiesSlot,
  streams,
  takesProgress,
  transition,
} from "./job-phase.js";

const RESULT: JobResult = { body: { output: 1 }, streamed: false };
const RECYCLING: JobResult = { body: { output: 1, stopPod: true }, streamed: true };

/** Every phase, with each variant of what a phase carries that changes its transitions. */
const PHASES = {
  queued: { name: "queued" },
  running: { name: "running" },
  aborting: { name: "aborting" },
  "result-pending": { name: "result-pending", result: RESULT, holds: "slot" },
  "result-pending stopPod": { name: "result-pending", result: RECYCLING, holds: "slot" },
  "result-pending let go": { name: "result-pending", result: RESULT, holds: "nothing" },
  "result-pending stopPod let go": { name: "result-pending", result: RECYCLING, holds: "nothing" },
  "posting slot": { name: "posting", holds: "slot" },
  "posting job": { name: "posting", holds: "job" },
  "posting let go": { name: "posting", holds: "nothing" },
  done: { name: "done" },
  cancelled: { name: "cancelled" },
  "given-back": { name: "given-back" },
} satisfies Record<string, JobPhase>;

type PhaseKey = keyof typeof PHASES;

const EVENTS: Record<JobEventType, JobEvent> = {
  start: { type: "start" },
  settled: { type: "settled", result: RESULT },
  "posts-drained": { type: "posts-drained" },
  "result-sent": { type: "result-sent" },
  stop: { type: "stop" },
  "give-back": { type: "give-back" },
};

/** Expected next phase (a key of PHASES) and the effects in order, written `type` or `type:detail`. */
type Cell = [PhaseKey, string] | "refused";

const STOP_RUNNING = "log:Stopping job. abort-handler:stopped release";
const LET_GO = STOP_RUNNING;

/** Rows: current phase. Columns: event. */
const TABLE: Record<PhaseKey, Record<JobEventType, Cell>> = {
  queued: {
    start: ["running", "run-handler"],
    settled: "refused",
    "posts-drained": "refused",
    "result-sent": "refused",
    stop: ["cancelled", "log:Stopping job. abort-handler:stopped log:Job stopped. release"],
    "give-back": ["given-back", "release"],
  },
  running: {
    start: "refused",
    settled: ["result-pending", "drain-posts"],
    "posts-drained": "refused",
    "result-sent": "refused",
    stop: ["cancelled", STOP_RUNNING],
    "give-back": ["aborting", "abort-handler:shutdown"],
  },
  aborting: {
    start: "refused",
    settled: ["aborting", "drain-posts"],
    "posts-drained": [
      "given-back",
      "log:Job aborted by shutdown; no result posted (the platform re-queues or fails it). release next-job",
    ],
    "result-sent": "refused",
    stop: ["cancelled", STOP_RUNNING],
    "give-back": "refused",
  },
  "result-pending": {
    start: "refused",
    settled: "refused",
    "posts-drained": ["posting job", "post-result:slot freed"],
    "result-sent": "refused",
    stop: ["result-pending let go", LET_GO],
    "give-back": ["result-pending", "abort-handler:shutdown"],
  },
  "result-pending stopPod": {
    start: "refused",
    settled: "refused",
    "posts-drained": ["posting slot", "post-result:slot kept"],
    "result-sent": "refused",
    stop: ["result-pending stopPod let go", LET_GO],
    "give-back": ["result-pending stopPod", "abort-handler:shutdown"],
  },
  "result-pending let go": {
    start: "refused",
    settled: "refused",
    "posts-drained": ["posting let go", "post-result:slot kept"],
    "result-sent": "refused",
    stop: "refused",
    "give-back": ["result-pending let go", "abort-handler:shutdown"],
  },
  "result-pending stopPod let go": {
    start: "refused",
    settled: "refused",
    "posts-drained": ["posting let go", "post-result:slot kept"],
    "result-sent": "refused",
    stop: "refused",
    "give-back": ["result-pending stopPod let go", "abort-handler:shutdown"],
  },
  "posting slot": {
    start: "refused",
    settled: "refused",
    "posts-drained": "refused",
    "result-sent": ["done", "log:Finished. release next-job"],
    stop: ["posting let go", LET_GO],
    "give-back": ["posting slot", "abort-handler:shutdown"],
  },
  "posting job": {
    start: "refused",
    settled: "refused",
    "posts-drained": "refused",
    "result-sent": ["done", "log:Finished. release next-job"],
    stop: ["posting let go", LET_GO],
    "give-back": ["posting job", "abort-handler:shutdown"],
  },
  "posting let go": {
    start: "refused",
    settled: "refused",
    "posts-drained": "refused",
    "result-sent": ["done", "log:Finished. fill-slots"],
    stop: "refused",
    "give-back": ["posting let go", "abort-handler:shutdown"],
  },
  done: {
    start: "refused",
    settled: "refused",
    "posts-drained": "refused",
    "result-sent": "refused",
    stop: "refused",
    "give-back": "refused",
  },
  cancelled: {
    start: "refused",
    settled: ["cancelled", "drain-posts"],
    "posts-drained": ["cancelled", "log:Job stopped. fill-slots"],
    "result-sent": "refused",
    stop: "refused",
    "give-back": "refused",
  },
  "given-back": {
    start: "refused",
    settled: "refused",
    "posts-drained": "refused",
    "result-sent": "refused",
    stop: "refused",
    "give-back": "refused",
  },
};

function describeEffects(effects: ReturnType<typeof transition> & { ok: true }): string {
  return effects.effects
    .map((e) => {
      switch (e.type) {
        case "log":
          return `log:${e.message}`;
        case "abort-handler":
          return `abort-handler:${e.reason}`;
        case "post-result":
          return `post-result:${e.slotFreed ? "slot freed" : "slot kept"}`;
        default:
          return e.type;
      }
    })
    .join(" ");
}

describe("transition", () => {
  for (const [key, phase] of Object.entries(PHASES) as [PhaseKey, JobPhase][]) {
    for (const eventType of JOB_EVENT_TYPES) {
      const expected = TABLE[key][eventType];
      const label = expected === "refused" ? "refused" : `→ ${expected[0]}: ${expected[1]}`;
      it(`${key} + ${eventType} ${label}`, () => {
        const result = transition(phase, EVENTS[eventType]);
        if (expected === "refused") {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.message).toContain(eventType);
          return;
        }
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.phase).toEqual(PHASES[expected[0]]);
        expect(describeEffects(result)).toBe(expected[1]);
      });
    }
  }

  it("the table covers every event", () => {
    for (const row of Object.values(TABLE))
      expect(Object.keys(row).sort()).toEqual([...JOB_EVENT_TYPES].sort());
  });

  it("carries the handler's result to its post", () => {
    const pending = transition({ name: "running" }, { type: "settled", result: RECYCLING });
    expect(pending.ok && pending.phase).toEqual({ name: "result-pending", result: RECYCLING, holds: "slot" });
    if (!pending.ok) return;
    const posting = transition(pending.phase, { type: "posts-drained" });
    expect(posting.ok && posting.effects).toEqual([
      { type: "post-result", result: RECYCLING, slotFreed: false },
    ]);
  });
});

describe("what a phase counts as", () => {
  /** [occupies a slot, executing, streams, takes progress] */
  const EXPECTED: Record<PhaseKey, [boolean, boolean, boolean, boolean]> = {
    queued: [true, false, false, true],
    running: [true, true, true, true],
    aborting: [true, true, false, false],
    "result-pending": [true, true, false, true],
    "result-pending stopPod": [true, true, false, true],
    "result-pending let go": [false, false, false, false],
    "result-pending stopPod let go": [false, false, false, false],
    "posting slot": [true, true, false, true],
    "posting job": [false, false, false, true],
    "posting let go": [false, false, false, false],
    done: [false, false, false, false],
    cancelled: [false, false, false, false],
    "given-back": [false, false, false, false],
  };
  for (const [key, phase] of Object.entries(PHASES) as [PhaseKey, JobPhase][]) {
    it(key, () => {
      expect([occupiesSlot(phase), isExecuting(phase), streams(phase), takesProgress(phase)]).toEqual(
        EXPECTED[key],
      );
    });
  }
});
