/**
 * What the admin API shows of an endpoint and its workers. Worker environment values are left out on purpose:
 * they often hold tokens, and the admin API is read by dashboards.
 */
import type { AdminWorkerView, EndpointSettingsView, ScalingSettings, WorkerListing } from "@gantry/protocol";
import type { EndpointConfig } from "../../domain/endpoint.js";
import type { SeenWorker } from "./seam.js";

export function endpointSettings(config: EndpointConfig, scaling?: ScalingSettings): EndpointSettingsView {
  const view: EndpointSettingsView = {
    id: config.id,
    managed: config.worker !== undefined,
    executionTimeoutMs: config.executionTimeoutMs,
    ttlMs: config.ttlMs,
    retention: { ...config.retention },
    maxRetries: config.maxRetries,
    limits: { ...config.limits },
    scaling: { ...(scaling ?? config.scaling) },
  };
  if (config.worker) {
    view.worker = {
      command: [...config.worker.command],
      envKeys: Object.keys(config.worker.env ?? {}).sort(),
    };
    if (config.worker.cwd !== undefined) view.worker.cwd = config.worker.cwd;
  }
  return view;
}

/** Workers Gantry runs, enriched with what the protocol registry saw of them. */
export function managedWorkers(
  listings: readonly WorkerListing[],
  seen: readonly SeenWorker[],
): AdminWorkerView[] {
  const byId = new Map(seen.map((w) => [w.id, w]));
  return listings.map((l) => {
    const v: AdminWorkerView = {
      id: l.id,
      endpointId: l.endpointId,
      managed: true,
      state: l.state,
      jobs: l.jobs,
      concurrency: l.concurrency,
      startedAt: l.startedAt,
    };
    if (l.pid !== undefined) v.pid = l.pid;
    if (l.coldStartMs !== undefined) v.coldStartMs = l.coldStartMs;
    if (l.stopping !== undefined) v.stopping = l.stopping;
    if (l.reason !== undefined) v.reason = l.reason;
    const r = byId.get(l.id);
    if (r) v.lastSeenAt = r.lastSeen;
    if (r?.version !== undefined) v.version = r.version;
    if (r?.recycle) v.recycle = true;
    return v;
  });
}

/** Workers started elsewhere, as the protocol registry knows them. */
export function externalWorkers(
  seen: readonly SeenWorker[],
  exclude: ReadonlySet<string>,
): AdminWorkerView[] {
  return seen
    .filter((w) => !exclude.has(w.id))
    .map((w) => {
      const v: AdminWorkerView = {
        id: w.id,
        endpointId: w.endpointId,
        managed: false,
        state: w.state,
        jobs: w.jobs,
        concurrency: w.concurrency,
        lastSeenAt: w.lastSeen,
      };
      if (w.version !== undefined) v.version = w.version;
      if (w.unhealthy) {
        const what = [w.unhealthy.check, w.unhealthy.reason].filter((x) => x).join(": ");
        v.reason = `reported unhealthy${what ? ` (${what})` : ""}`;
      }
      if (w.recycle) v.recycle = true;
      return v;
    });
}
