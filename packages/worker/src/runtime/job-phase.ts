/**
 * The life of one job inside the worker as one pure function, modelled on the server's job state machine: the
 * runtime reports what happened (an event), `transition` answers the job's next phase and what to do about it
 * (effects), and the runtime carries the effects out in order. The rules live here and nowhere else.
 *
 *   queued ─start→ running ─settled→ result-pending ─posts-drained→ posting ─result-sent→ done
 *                     │ give-back         (stop: let go, the result still goes out)
 *                     ▼
 *                  aborting ─settled, posts-drained→ given-back
 *   queued ─give-back→ given-back          queued / running / aborting ─stop→ cancelled
 *
 * Stream chunks go out while the job is `running` (the handler's generator yields them there); progress updates
 * are queued on the job's post chain until its result is pending, and `drain-posts` waits for those.
 */

import type { ResultBody } from "../types.js";

/** What the handler settled with: the job-done body, and whether it streamed (posted with `isStream=true`). */
export interface JobResult {
  body: ResultBody;
  streamed: boolean;
}

/**
 * What a job still holds of the worker: a concurrency slot (and its place among the held jobs), only its place
 * among the held jobs (named in pings, slot freed for the next take), or nothing (let go by a stop).
 */
export type Holding = "slot" | "job" | "nothing";

export type JobPhase =
  /** Taken, waiting for a concurrency slot. */
  | { name: "queued" }
  /** The handler runs (and streams, if it is a generator). */
  | { name: "running" }
  /** The shutdown's grace period ran out: the handler was told to stop; no result will be posted. */
  | { name: "aborting" }
  /**
   * The handler settled (its output or error is the job's result); the progress posts queued before it finish
   * first. A result with `stopPod` recycles the worker, which then takes nothing more: it keeps its slot.
   */
  | { name: "result-pending"; result: JobResult; holds: "slot" | "nothing" }
  /** The result post is out (through job-done or a job-done-batch). */
  | { name: "posting"; holds: Holding }
  /** The result post settled: delivered, refused, or given up on. */
  | { name: "done" }
  /** Stopped by the platform (job-stop): its result, should the handler still return one, is never posted. */
  | { name: "cancelled" }
  /** Handed back at shutdown without a result: the platform re-queues or fails it. */
  | { name: "given-back" };

export type JobEvent =
  /** A concurrency slot is free for this job. */
  | { type: "start" }
  /** The handler returned or threw. */
  | { type: "settled"; result: JobResult }
  /** The progress posts queued before the result have settled; the chain takes no more. */
  | { type: "posts-drained" }
  /** The result post settled. */
  | { type: "result-sent" }
  /** The platform stopped the job (job-stop named it). */
  | { type: "stop" }
  /** The shutdown's grace period is over. */
  | { type: "give-back" };

export type JobEventType = JobEvent["type"];

export const JOB_EVENT_TYPES: readonly JobEventType[] = [
  "start",
  "settled",
  "posts-drained",
  "result-sent",
  "stop",
  "give-back",
];

export type JobEffect =
  /** Start the handler; report `settled` when it returns or throws. */
  | { type: "run-handler" }
  /** Abort the handler's signal. */
  | { type: "abort-handler"; reason: "stopped" | "shutdown" }
  /** Close the job's post chain; report `posts-drained` once the posts queued on it have settled. */
  | { type: "drain-posts" }
  /** The worker no longer holds the job: out of the held list and the pings. */
  | { type: "release" }
  /**
   * Post the result; report `result-sent` once it settles. `slotFreed`: the job's slot was freed just now, so
   * queued jobs may start and (on Gantry) the post may ask for jobs to fill the free slots.
   */
  | { type: "post-result"; result: JobResult; slotFreed: boolean }
  /** Start queued jobs on the free slots. */
  | { type: "fill-slots" }
  /** After a held job ended: shut down if the worker recycles after every job (`refreshWorker`), else fill slots. */
  | { type: "next-job" }
  | { type: "log"; level: "info" | "warn"; message: string };

export type TransitionResult =
  | { readonly ok: true; readonly phase: JobPhase; readonly effects: readonly JobEffect[] }
  | { readonly ok: false; readonly message: string };

/*
 * Every event of every job goes through `transition`, thousands a second on a busy worker: the answers that carry
 * nothing of the job (no result) are built once, frozen, and shared, so a job's way through its phases allocates
 * only what holds its result.
 */
const frozen = <T extends object>(value: T): T => Object.freeze(value);

const to = (phase: JobPhase, ...effects: JobEffect[]): TransitionResult => ({ ok: true, phase, effects });

/** An answer built once and shared by every job that takes this way. */
const fixed = (phase: JobPhase, ...effects: JobEffect[]): TransitionResult =>
  frozen({ ok: true, phase, effects: frozen(effects) });

const refuse = (phase: JobPhase, event: JobEvent): TransitionResult => ({
  ok: false,
  message: `cannot ${event.type} a job that is ${phase.name}`,
});

const log = (message: string, level: "info" | "warn" = "info"): JobEffect =>
  frozen({ type: "log", level, message });

/** Where every job starts: taken, waiting for a slot. */
export const QUEUED: JobPhase = frozen({ name: "queued" });
const RUNNING: JobPhase = frozen({ name: "running" });
const ABORTING: JobPhase = frozen({ name: "aborting" });
const DONE: JobPhase = frozen({ name: "done" });
const CANCELLED: JobPhase = frozen({ name: "cancelled" });
const GIVEN_BACK: JobPhase = frozen({ name: "given-back" });
const POSTING_HOLDING_NOTHING: JobPhase = frozen({ name: "posting", holds: "nothing" });

const STOPPING = log("Stopping job.");
const STOPPED = log("Job stopped.");
const FINISHED = log("Finished.");
const RELEASE: JobEffect = frozen({ type: "release" });
const NEXT_JOB: JobEffect = frozen({ type: "next-job" });
const FILL_SLOTS: JobEffect = frozen({ type: "fill-slots" });
const DRAIN_POSTS: JobEffect = frozen({ type: "drain-posts" });
const ABORT_STOPPED: JobEffect = frozen({ type: "abort-handler", reason: "stopped" });
const ABORT_SHUTDOWN: JobEffect = frozen({ type: "abort-handler", reason: "shutdown" });

/** A stop once the result is decided: the job is let go now, its result post goes out (or on) regardless. */
const LET_GO: readonly JobEffect[] = frozen([STOPPING, ABORT_STOPPED, RELEASE]);

const START = fixed(RUNNING, frozen({ type: "run-handler" }));
const STOP_QUEUED = fixed(CANCELLED, STOPPING, ABORT_STOPPED, STOPPED, RELEASE);
const GIVE_BACK_QUEUED = fixed(GIVEN_BACK, RELEASE);
const STOP_RUNNING = fixed(CANCELLED, STOPPING, ABORT_STOPPED, RELEASE);
const GIVE_BACK_RUNNING = fixed(ABORTING, ABORT_SHUTDOWN);
const SETTLED_ABORTING = fixed(ABORTING, DRAIN_POSTS);
const ABORTED = fixed(
  GIVEN_BACK,
  log("Job aborted by shutdown; no result posted (the platform re-queues or fails it).", "warn"),
  RELEASE,
  NEXT_JOB,
);
const LET_GO_POSTING = fixed(POSTING_HOLDING_NOTHING, ...LET_GO);
const SENT_HOLDING_NOTHING = fixed(DONE, FINISHED, FILL_SLOTS);
const SENT = fixed(DONE, FINISHED, RELEASE, NEXT_JOB);
const SETTLED_CANCELLED = fixed(CANCELLED, DRAIN_POSTS);
const DRAINED_CANCELLED = fixed(CANCELLED, STOPPED, FILL_SLOTS);

/** The phase stays (and keeps what it carries); the handler is told the worker shuts down. */
const abortOnShutdown = (phase: JobPhase): TransitionResult => to(phase, ABORT_SHUTDOWN);

export function transition(phase: JobPhase, event: JobEvent): TransitionResult {
  switch (phase.name) {
    case "queued":
      switch (event.type) {
        case "start":
          return START;
        // Never started, so it is over at once. The caller fills the freed slots once all the stops are in, so
        // a job stopped together with this one does not start in between.
        case "stop":
          return STOP_QUEUED;
        case "give-back":
          return GIVE_BACK_QUEUED;
        default:
          return refuse(phase, event);
      }
    case "running":
      switch (event.type) {
        case "settled":
          return to({ name: "result-pending", result: event.result, holds: "slot" }, DRAIN_POSTS);
        // The slot frees now, as a cancelled task frees it in Python; a handler that ignores its signal keeps
        // running in the background but its result is never posted.
        case "stop":
          return STOP_RUNNING;
        case "give-back":
          return GIVE_BACK_RUNNING;
        default:
          return refuse(phase, event);
      }
    case "aborting":
      switch (event.type) {
        // Held (and pinged) until the progress posts it queued have settled, as any job is.
        case "settled":
          return SETTLED_ABORTING;
        case "posts-drained":
          return ABORTED;
        case "stop":
          return STOP_RUNNING;
        default:
          return refuse(phase, event);
      }
    case "result-pending":
      switch (event.type) {
        case "posts-drained": {
          // A result that recycles the worker keeps its slot: after it the worker must take nothing.
          const stopPod = phase.result.body.stopPod === true;
          const holds: Holding = phase.holds === "nothing" ? "nothing" : stopPod ? "slot" : "job";
          const { result } = phase;
          return to({ name: "posting", holds }, { type: "post-result", result, slotFreed: holds === "job" });
        }
        case "stop":
          if (phase.holds === "nothing") return refuse(phase, event);
          return to({ ...phase, holds: "nothing" }, ...LET_GO);
        // The handler is done: its result is posted all the same.
        case "give-back":
          return abortOnShutdown(phase);
        default:
          return refuse(phase, event);
      }
    case "posting":
      switch (event.type) {
        case "result-sent":
          return phase.holds === "nothing" ? SENT_HOLDING_NOTHING : SENT;
        case "stop":
          if (phase.holds === "nothing") return refuse(phase, event);
          return LET_GO_POSTING;
        case "give-back":
          return abortOnShutdown(phase);
        default:
          return refuse(phase, event);
      }
    case "cancelled":
      switch (event.type) {
        // A handler that was running when the job stopped has now settled; its result is dropped.
        case "settled":
          return SETTLED_CANCELLED;
        case "posts-drained":
          return DRAINED_CANCELLED;
        default:
          return refuse(phase, event);
      }
    case "done":
    case "given-back":
      return refuse(phase, event);
  }
}

/** Counts against the concurrency: the take loop leaves this job's slot alone. */
export function occupiesSlot(phase: JobPhase): boolean {
  switch (phase.name) {
    case "queued":
    case "running":
    case "aborting":
      return true;
    case "result-pending":
    case "posting":
      return phase.holds === "slot";
    default:
      return false;
  }
}

/** Its handler holds one of the slots queued jobs start on. */
export function isExecuting(phase: JobPhase): boolean {
  return phase.name !== "queued" && occupiesSlot(phase);
}

/** Its stream chunks are still posted: only while it runs (not once stopped or aborted). */
export function streams(phase: JobPhase): boolean {
  return phase.name === "running";
}

/** Progress updates are still accepted for it (the post chain then decides whether one comes too late). */
export function takesProgress(phase: JobPhase): boolean {
  switch (phase.name) {
    case "queued":
    case "running":
      return true;
    case "result-pending":
    case "posting":
      return phase.holds !== "nothing";
    default:
      return false;
  }
}
