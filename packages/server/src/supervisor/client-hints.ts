/**
 * What clients see of supervision, layered over the engine's `Platform`: queued jobs carry a `hint` saying why
 * they wait (crash loop, cold start, all workers busy), and `/health` shows crash loops. It observes no worker
 * traffic — the engine's worker registry does that — and changes no answer but these three additions.
 */
import type { JobView } from "../domain/job.js";
import type { HealthView, Platform } from "../engine/platform.js";

/** What the wrapper shows clients from the supervisor. */
export interface SupervisionView {
  queueHint(endpointId: string): string | undefined;
  healthHints(endpointId: string): string[];
  /** Unhealthy slots the supervisor knows of (a crash-looping endpoint has one even between restarts). */
  unhealthyCount(endpointId: string): number;
}

export function withClientHints<P extends Platform>(platform: P, view: SupervisionView): P {
  const withHint = (endpointId: string, job: JobView | undefined): JobView | undefined => {
    if (job?.status !== "IN_QUEUE" || job.hint !== undefined) return job;
    const hint = view.queueHint(endpointId);
    return hint === undefined ? job : { ...job, hint };
  };

  const overrides: Partial<Platform> = {
    submit: async (req) => {
      const r = await platform.submit(req);
      return r.ok ? { ok: true, value: withHint(req.endpointId, r.value) ?? r.value } : r;
    },
    status: async (endpointId, jobId) => withHint(endpointId, await platform.status(endpointId, jobId)),
    waitForTerminal: async (endpointId, jobId, waitMs, signal) =>
      withHint(endpointId, await platform.waitForTerminal(endpointId, jobId, waitMs, signal)),
    subscribe: (endpointId, jobId, afterEventId, onEvent) =>
      platform.subscribe(endpointId, jobId, afterEventId, (e) =>
        onEvent(e.type === "status" ? { ...e, job: withHint(endpointId, e.job) ?? e.job } : e),
      ),
    health: async (endpointId) => {
      const h: HealthView = await platform.health(endpointId);
      const hints = [...new Set([...(h.hints ?? []), ...view.healthHints(endpointId)])];
      const unhealthy = Math.max(h.workers.unhealthy, view.unhealthyCount(endpointId));
      const out: HealthView = { ...h, workers: { ...h.workers, unhealthy } };
      if (hints.length > 0) out.hints = hints;
      return out;
    },
  };

  // Bound once to the real object (class-based engines with private fields keep working), not on every call:
  // the worker protocol's methods are on every job's path.
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(platform, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof Platform];
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      let fn = bound.get(prop);
      if (fn === undefined) {
        fn = value.bind(target);
        bound.set(prop, fn);
      }
      return fn;
    },
  });
}
