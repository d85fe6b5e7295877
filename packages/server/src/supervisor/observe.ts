/**
 * One worker per tick, as the supervisor sees it through the worker registry: it passes its verdicts (a worker
 * that never called in, or went silent, is unhealthy) back to the registry so every reader shows them, ends a
 * crash streak once a worker proves stable, and acts on recycling (`stopPod`) and on jobs a worker keeps running
 * after the platform stopped them.
 */
import type { WorkerInfo } from "../engine/workers.js";
import type { WorkerState } from "../scaling/decide.js";
import type { WorkerProcesses } from "./processes.js";
import type { EndpointRuntime, Managed, ResolvedOptions } from "./types.js";

const JOB_CHECK_MS = 1_000;
const RECYCLE_WAIT_MS = 1_000;

/** Why the supervisor holds the worker unhealthy, or undefined. A worker's own unhealthy report needs none. */
export function verdictOf(info: WorkerInfo, w: Managed, now: number, o: ResolvedOptions): string | undefined {
  if (info.unhealthy) return undefined;
  if (info.firstTakeAt === undefined) {
    if (now - w.startedAt <= o.startTimeoutMs) return undefined;
    return `did not ask for a job within ${Math.round(o.startTimeoutMs / 1000)} s of starting`;
  }
  if (now - info.lastSeen <= o.silentAfterMs) return undefined;
  return `silent for ${Math.round((now - info.lastSeen) / 1000)} s (no ping, take or result)`;
}

/** Why a worker is unhealthy, as the admin API lists it. */
export function reasonOf(info: WorkerInfo | undefined): string | undefined {
  if (info?.unhealthy) {
    const what = [info.unhealthy.check, info.unhealthy.reason].filter((x) => x).join(": ");
    return `reported unhealthy${what ? ` (${what})` : ""}`;
  }
  return info?.verdict;
}

/** The state of a worker the supervisor runs; one the registry lost (another node dropped it) is starting. */
export function stateOf(
  info: WorkerInfo | undefined,
  w: Managed,
  now: number,
  o: ResolvedOptions,
): WorkerState {
  if (info) return info.state;
  return now - w.startedAt > o.startTimeoutMs ? "unhealthy" : "initializing";
}

export class WorkerObserver {
  constructor(
    private readonly o: ResolvedOptions,
    private readonly processes: WorkerProcesses,
  ) {}

  /** Observes a live worker; returns its state for the scaler. */
  async observe(ep: EndpointRuntime, w: Managed, now: number): Promise<WorkerState> {
    const registry = this.o.workers;
    const before = registry.get(w.id, now);
    if (before) registry.judge(w.id, verdictOf(before, w, now, this.o));
    const info = registry.get(w.id, now);
    const state = stateOf(info, w, now, this.o);

    if (
      info?.firstTakeAt !== undefined &&
      ep.crash.consecutive > 0 &&
      (info.jobsDone > 0 || now - info.firstTakeAt >= this.o.stableMs)
    ) {
      endCrashStreak(ep);
    }

    if (state === "idle") {
      if (w.tickState !== "idle") w.idleSince = now;
      // It may have run a job and gone idle again between two ticks: its idle time starts at its last answer.
      if (info?.lastJobAt !== undefined && info.lastJobAt > (w.idleSince ?? 0)) w.idleSince = info.lastJobAt;
    } else delete w.idleSince;
    w.tickState = state;

    if (w.stopping !== undefined || info === undefined) return state;

    if (info.recycle && info.jobs === 0) {
      // Workers with refresh_worker in their config exit by themselves; give them a moment before SIGTERM.
      w.recycleSeenAt ??= now;
      if (now - w.recycleSeenAt >= RECYCLE_WAIT_MS) {
        this.processes.stop(w, "recycled at its own request (stopPod)", this.o.stopGraceMs);
      }
      return state;
    }

    await this.#checkOverruns(w, new Set(info.held), now);
    const oldest = Math.min(...w.overdue.values());
    if (w.overdue.size > 0 && now - oldest >= this.o.overrunGraceMs) {
      const jobs = [...w.overdue.keys()].join(", ");
      const seconds = Math.round((now - oldest) / 1000);
      this.processes.kill(w, `killed: still running job ${jobs} ${seconds} s after it was stopped`);
    }
    return state;
  }

  /** Marks held jobs the platform no longer wants this worker to run (cancelled, timed out, gone, reassigned). */
  async #checkOverruns(w: Managed, held: ReadonlySet<string>, now: number): Promise<void> {
    for (const id of w.overdue.keys()) if (!held.has(id)) w.overdue.delete(id);
    if (held.size === 0 || now - w.lastJobCheck < JOB_CHECK_MS) return;
    w.lastJobCheck = now;
    for (const jobId of held) {
      if (w.overdue.has(jobId)) continue;
      const job = await this.o.host.jobState(w.endpointId, jobId);
      const wanted = job !== undefined && job.status === "IN_PROGRESS" && job.workerId === w.id;
      if (!wanted) w.overdue.set(jobId, now);
    }
  }
}

/** A worker proved the endpoint's workers can run: the back-off and the crash-loop report end. */
export function endCrashStreak(ep: EndpointRuntime): void {
  ep.crash = { consecutive: 0 };
  ep.crashLooping = false;
}
