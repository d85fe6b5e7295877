/**
 * The scaler: one pure decision per endpoint and tick, from its settings and a snapshot of its queue and
 * workers (docs/api.md §8). The supervisor applies the actions; nothing here has side effects, so every
 * rule (0→1, bursts, idle scale-down, limits, crash back-off) is pinned by table-driven tests.
 */
import type { EndpointScaling } from "../domain/endpoint.js";
import {
  type BackoffPolicy,
  type CrashState,
  DEFAULT_BACKOFF,
  isCrashLooping,
  nextStartAt,
} from "./backoff.js";

export const WORKER_STATES = ["initializing", "idle", "running", "throttled", "unhealthy"] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export interface WorkerView {
  id: string;
  state: WorkerState;
  startedAt: number;
  /** When it last entered `idle` (became ready or finished its jobs); falls back to lastJobAt, then startedAt. */
  idleSince?: number;
  lastJobAt?: number;
  /** Jobs it takes at once (its `batch_size`), ≥ 1. */
  concurrency: number;
  /** Already told to stop and draining: neither capacity nor a candidate to stop again. */
  stopping?: boolean;
}

export interface ScalingSnapshot {
  now: number;
  /** Queued jobs of normal priority. */
  inQueue: number;
  /** Queued `lowPriority` jobs: they run on existing workers but never cause a scale-up. */
  inQueueLow: number;
  inProgress: number;
  /** Submission time of the oldest queued normal-priority job. */
  oldestQueuedAt?: number;
  workers: readonly WorkerView[];
  /** When this endpoint last started a worker because of load (hysteresis). */
  lastScaleUpAt?: number;
  crash: CrashState;
}

export interface ScalerTuning {
  /** A worker is never stopped for idleness sooner than this after it started. */
  minUptimeMs: number;
  /** No idle scale-down sooner than this after the endpoint last scaled up for load. */
  scaleDownCooldownMs: number;
  backoff: BackoffPolicy;
}

export const DEFAULT_TUNING: ScalerTuning = {
  minUptimeMs: 5_000,
  scaleDownCooldownMs: 5_000,
  backoff: DEFAULT_BACKOFF,
};

export type StartReason = "min-workers" | "first-job" | "queue-delay" | "request-count";
export type StopReason = "idle-timeout" | "over-max" | "unhealthy";

export type ScaleAction =
  | { kind: "start"; count: number; reason: StartReason }
  | { kind: "stop"; workerId: string; reason: StopReason };

export interface ScaleDecision {
  actions: ScaleAction[];
  /** Starts that were wanted but withheld by crash back-off, and until when. */
  held?: { count: number; until: number };
  crashLooping: boolean;
}

const concurrencyOf = (w: WorkerView): number => Math.max(1, Math.floor(w.concurrency) || 1);
const idleSinceOf = (w: WorkerView): number => w.idleSince ?? w.lastJobAt ?? w.startedAt;

/** Victims when the endpoint holds more workers than `workersMax`: cheapest to lose first. */
function overMaxOrder(a: WorkerView, b: WorkerView): number {
  const rank = (w: WorkerView): number =>
    w.state === "idle" ? 0 : w.state === "throttled" ? 1 : w.state === "initializing" ? 2 : 3;
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  // Among idle workers the longest idle goes first; otherwise the newest (least invested) goes first.
  if (a.state === "idle") return idleSinceOf(a) - idleSinceOf(b);
  return b.startedAt - a.startedAt;
}

/** Extra workers the load asks for, on top of the `slots` the endpoint already has. */
function loadDemand(
  settings: EndpointScaling,
  snap: ScalingSnapshot,
  slots: readonly WorkerView[],
): { extra: number; reason: StartReason } {
  if (snap.inQueue <= 0) return { extra: 0, reason: "first-job" };
  if (slots.length === 0) {
    // The first job on an endpoint with no worker starts one at once, whatever the scaler.
    if (settings.scalerType === "QUEUE_DELAY") return { extra: 1, reason: "first-job" };
  }

  if (settings.scalerType === "REQUEST_COUNT") {
    // A worker absorbs scalerValue requests, or more if it declared a higher concurrency itself.
    const per = (w: WorkerView): number => Math.max(settings.scalerValue, concurrencyOf(w));
    const covered = slots.reduce((sum, w) => sum + per(w), 0);
    const typical = Math.max(settings.scalerValue, ...slots.map(concurrencyOf));
    const load = snap.inQueue + snap.inProgress;
    const extra = load > covered ? Math.ceil((load - covered) / typical) : 0;
    return { extra, reason: slots.length === 0 ? "first-job" : "request-count" };
  }

  // QUEUE_DELAY: one more worker when a job has waited past the delay and the queue exceeds what the
  // workers (including those still starting) can absorb; at most one per delay period.
  const delayMs = settings.scalerValue * 1000;
  const ready = slots.filter((w) => w.state === "idle" || w.state === "running");
  const readyCapacity = ready.reduce((sum, w) => sum + concurrencyOf(w), 0);
  const startingCapacity = slots
    .filter((w) => w.state === "initializing")
    .reduce((sum, w) => sum + concurrencyOf(w), 0);
  const free = Math.max(0, readyCapacity - snap.inProgress) + startingCapacity;
  const backlog = snap.inQueue - free;
  const waited = snap.oldestQueuedAt === undefined ? 0 : snap.now - snap.oldestQueuedAt;
  const cooled = snap.lastScaleUpAt === undefined || snap.now - snap.lastScaleUpAt >= delayMs;
  const extra = backlog > 0 && waited > delayMs && cooled ? 1 : 0;
  return { extra, reason: "queue-delay" };
}

export function decide(
  settings: EndpointScaling,
  snap: ScalingSnapshot,
  tuning: ScalerTuning = DEFAULT_TUNING,
): ScaleDecision {
  const actions: ScaleAction[] = [];
  const max = Math.max(0, settings.workersMax);
  const min = Math.min(Math.max(0, settings.workersMin), max);
  const crashLooping = isCrashLooping(snap.crash, tuning.backoff);

  const live = snap.workers.filter((w) => !w.stopping);
  for (const w of live) {
    if (w.state === "unhealthy") actions.push({ kind: "stop", workerId: w.id, reason: "unhealthy" });
  }
  let slots = live.filter((w) => w.state !== "unhealthy");

  if (slots.length > max) {
    const victims = [...slots].sort(overMaxOrder).slice(0, slots.length - max);
    const gone = new Set(victims.map((w) => w.id));
    for (const w of victims) actions.push({ kind: "stop", workerId: w.id, reason: "over-max" });
    slots = slots.filter((w) => !gone.has(w.id));
  }

  const demand = loadDemand(settings, snap, slots);
  const target = Math.min(max, Math.max(min, slots.length + demand.extra));
  let want = target - slots.length;
  const reason: StartReason =
    slots.length < min && slots.length + demand.extra <= min ? "min-workers" : demand.reason;

  let held: ScaleDecision["held"];
  if (want > 0) {
    const until = nextStartAt(snap.crash, tuning.backoff);
    if (until !== undefined && until > snap.now) {
      held = { count: want, until };
      want = 0;
    } else if (crashLooping) {
      // Probe with one worker at a time until one of them manages to take a job.
      want = slots.some((w) => w.state === "initializing") ? 0 : 1;
    }
  }
  if (want > 0) actions.push({ kind: "start", count: want, reason });

  // Idle scale-down: only when nothing waits (an idle worker is about to take queued work) and not right
  // after a scale-up, so a burst's fresh workers are not stopped in the gap between two waves.
  const queueEmpty = snap.inQueue + snap.inQueueLow === 0;
  const cooled =
    snap.lastScaleUpAt === undefined || snap.now - snap.lastScaleUpAt >= tuning.scaleDownCooldownMs;
  if (want === 0 && held === undefined && queueEmpty && cooled) {
    const idleMs = settings.idleTimeoutS * 1000;
    const expired = slots
      .filter(
        (w) =>
          w.state === "idle" &&
          snap.now - idleSinceOf(w) >= idleMs &&
          snap.now - w.startedAt >= tuning.minUptimeMs,
      )
      .sort((a, b) => idleSinceOf(a) - idleSinceOf(b));
    const removable = Math.max(0, slots.length - min);
    for (const w of expired.slice(0, removable)) {
      actions.push({ kind: "stop", workerId: w.id, reason: "idle-timeout" });
    }
  }

  const decision: ScaleDecision = { actions, crashLooping };
  if (held) decision.held = held;
  return decision;
}
