/**
 * Wraps a `Platform` for supervision: every worker-protocol call also feeds a `WorkerActivityTracker`, and —
 * given a view of the supervisor — queued jobs carry a `hint` and `/health` shows crash loops. (Refusing jobs to
 * a worker that asked to be recycled is the engine's: see `Engine.take`.)
 */
import type { JobView } from "../domain/job.js";
import type { HealthView, Platform } from "../engine/platform.js";
import type { WorkerActivityTracker } from "./activity.js";

/** What the wrapper shows clients from the supervisor. */
export interface SupervisionView {
  queueHint(endpointId: string): string | undefined;
  healthHints(endpointId: string): string[];
  /** Unhealthy slots the supervisor knows of (a crash-looping endpoint has one even between restarts). */
  unhealthyCount(endpointId: string): number;
}

export function trackPlatform<P extends Platform>(
  platform: P,
  tracker: WorkerActivityTracker,
  view?: SupervisionView,
): P {
  const withHint = (endpointId: string, job: JobView | undefined): JobView | undefined => {
    if (!view || !job || job.status !== "IN_QUEUE" || job.hint !== undefined) return job;
    const hint = view.queueHint(endpointId);
    return hint === undefined ? job : { ...job, hint };
  };

  const overrides: Partial<Platform> = {
    take: async (endpointId, workerId, max, waitMs, signal) => {
      tracker.takeRequested(endpointId, workerId, max);
      tracker.pollOpened(endpointId, workerId);
      try {
        const jobs = await platform.take(endpointId, workerId, max, waitMs, signal);
        if (jobs.length > 0) tracker.taken(endpointId, workerId, jobs);
        return jobs;
      } finally {
        tracker.pollClosed(endpointId, workerId);
      }
    },
    putBack: async (endpointId, workerId, jobIds) => {
      tracker.putBack(endpointId, workerId, jobIds);
      return platform.putBack(endpointId, workerId, jobIds);
    },
    workerDone: async (endpointId, workerId, jobId, body, isStream) => {
      const outcome = await platform.workerDone(endpointId, workerId, jobId, body, isStream);
      // A refused post (unknown job, not the owner) still shows the worker is done with that job.
      tracker.done(endpointId, workerId, jobId, body);
      return outcome;
    },
    workerStream: async (endpointId, workerId, jobId, output) => {
      tracker.seen(endpointId, workerId);
      return platform.workerStream(endpointId, workerId, jobId, output);
    },
    ping: async (endpointId, workerId, report) => {
      tracker.pinged(endpointId, workerId, report);
      return platform.ping(endpointId, workerId, report);
    },
    waitStops: async (endpointId, workerId, waitMs, signal) => {
      tracker.pollOpened(endpointId, workerId);
      try {
        return await platform.waitStops(endpointId, workerId, waitMs, signal);
      } finally {
        tracker.pollClosed(endpointId, workerId);
      }
    },
  };

  if (view) {
    overrides.submit = async (req) => {
      const r = await platform.submit(req);
      return r.ok ? { ok: true, value: withHint(req.endpointId, r.value) ?? r.value } : r;
    };
    overrides.status = async (endpointId, jobId) =>
      withHint(endpointId, await platform.status(endpointId, jobId));
    overrides.waitForTerminal = async (endpointId, jobId, waitMs, signal) =>
      withHint(endpointId, await platform.waitForTerminal(endpointId, jobId, waitMs, signal));
    overrides.subscribe = (endpointId, jobId, afterEventId, onEvent) =>
      platform.subscribe(endpointId, jobId, afterEventId, (e) =>
        onEvent(e.type === "status" ? { ...e, job: withHint(endpointId, e.job) ?? e.job } : e),
      );
    overrides.health = async (endpointId) => {
      const h: HealthView = await platform.health(endpointId);
      const extra = view.healthHints(endpointId);
      const hints = [...new Set([...(h.hints ?? []), ...extra])];
      const unhealthy = Math.max(h.workers.unhealthy, view.unhealthyCount(endpointId));
      const out: HealthView = { ...h, workers: { ...h.workers, unhealthy } };
      if (hints.length > 0) out.hints = hints;
      return out;
    };
  }

  return new Proxy(platform, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Platform];
      // Bound to the real object so class-based engines with private fields keep working.
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
