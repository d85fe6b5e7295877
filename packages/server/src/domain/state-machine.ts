/**
 * The job lifecycle (docs/api.md §4.1) as one pure function. Every store write that changes a job's
 * status asks `transition` first, so the rules live here and nowhere else.
 *
 * "DELETED" is not a status a client ever sees: it means the row goes away (TTL, retention, purge).
 */
import { isTerminal, type JobStatus } from "./job.js";

export type LifecycleEvent =
  | { type: "take" }
  | { type: "put-back" }
  | { type: "progress" }
  | { type: "complete" }
  | { type: "fail" }
  | { type: "cancel" }
  /** Execution timeout: the job ran longer than `policy.executionTimeout`. */
  | { type: "timeout" }
  /** TTL: total lifetime since submission is over; the job is deleted whatever its state. */
  | { type: "expire" }
  /** The worker stopped renewing its lease: requeue while retries remain, else fail. */
  | { type: "lease-lost"; retries: number; maxRetries: number }
  | { type: "retry" }
  | { type: "purge" }
  /** Retention after completion is over. */
  | { type: "forget" };

export type LifecycleEventType = LifecycleEvent["type"];

export const LIFECYCLE_EVENT_TYPES: readonly LifecycleEventType[] = [
  "take",
  "put-back",
  "progress",
  "complete",
  "fail",
  "cancel",
  "timeout",
  "expire",
  "lease-lost",
  "retry",
  "purge",
  "forget",
];

export type NextState = JobStatus | "DELETED";

export type TransitionResult =
  | { ok: true; to: NextState }
  /**
   * `already-terminal`: the job has finished and the event no longer applies (callers treat it as an
   * idempotent no-op). `not-allowed`: the event makes no sense in this state (callers report an error).
   */
  | { ok: false; reason: "already-terminal" | "not-allowed"; message: string };

const allow = (to: NextState): TransitionResult => ({ ok: true, to });

const refuse = (status: JobStatus, event: LifecycleEvent): TransitionResult => {
  if (event.type === "retry") {
    return {
      ok: false,
      reason: "not-allowed",
      message: `job is ${status}; only FAILED or TIMED_OUT jobs can be retried`,
    };
  }
  if (isTerminal(status) && event.type !== "purge") {
    return { ok: false, reason: "already-terminal", message: `job is already ${status}` };
  }
  return { ok: false, reason: "not-allowed", message: `cannot ${event.type} a job that is ${status}` };
};

export function transition(status: JobStatus, event: LifecycleEvent): TransitionResult {
  // TTL is a hard lifetime: it ends a job in any state.
  if (event.type === "expire") return allow("DELETED");

  switch (status) {
    case "IN_QUEUE":
      switch (event.type) {
        case "take":
          return allow("IN_PROGRESS");
        case "cancel":
          return allow("CANCELLED");
        case "purge":
          return allow("DELETED");
        default:
          return refuse(status, event);
      }
    case "IN_PROGRESS":
      switch (event.type) {
        case "progress":
          return allow("IN_PROGRESS");
        case "complete":
          return allow("COMPLETED");
        case "fail":
          return allow("FAILED");
        case "cancel":
          return allow("CANCELLED");
        case "timeout":
          return allow("TIMED_OUT");
        case "put-back":
          return allow("IN_QUEUE");
        case "lease-lost":
          return allow(event.retries < event.maxRetries ? "IN_QUEUE" : "FAILED");
        default:
          return refuse(status, event);
      }
    case "FAILED":
    case "TIMED_OUT":
      if (event.type === "retry") return allow("IN_QUEUE");
      if (event.type === "forget") return allow("DELETED");
      return refuse(status, event);
    case "COMPLETED":
    case "CANCELLED":
      if (event.type === "forget") return allow("DELETED");
      return refuse(status, event);
  }
}

/** The statuses from which `event` is accepted; lets a store phrase a transition as one conditional write. */
export function sourcesOf(event: LifecycleEvent): JobStatus[] {
  const all: JobStatus[] = ["IN_QUEUE", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED", "TIMED_OUT"];
  return all.filter((s) => transition(s, event).ok);
}
