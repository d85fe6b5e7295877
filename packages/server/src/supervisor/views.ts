/**
 * What the supervisor shows: its workers, an endpoint's counts, hints and crash record. Every worker state is
 * read from the registry at the moment of the call — the same records `/health` reads — so the admin API and
 * `/health` agree at every moment, not only after the next tick.
 */

import { describeUnhealthy } from "../engine/worker-view.js";
import type { WorkerInfo, WorkerRegistry } from "../engine/workers.js";
import { type BackoffPolicy, nextStartAt } from "../scaling/backoff.js";
import { WORKER_STATES, type WorkerState } from "../scaling/decide.js";
import { type HintInput, healthHints } from "./hints.js";
import { reasonOf, stateOf } from "./observe.js";
import type {
  EndpointRuntime,
  EndpointSupervision,
  Managed,
  ResolvedOptions,
  WorkerListing,
} from "./types.js";

export function listing(
  w: Managed,
  info: WorkerInfo | undefined,
  now: number,
  o: ResolvedOptions,
): WorkerListing {
  const l: WorkerListing = {
    id: w.id,
    endpointId: w.endpointId,
    state: stateOf(info, w, now, o),
    startedAt: w.startedAt,
    concurrency: info?.concurrency ?? 1,
    jobs: info?.jobs ?? 0,
  };
  if (w.handle.pid !== undefined) l.pid = w.handle.pid;
  if (info?.coldStartMs !== undefined) l.coldStartMs = info.coldStartMs;
  if (w.stopping !== undefined) l.stopping = w.stopping;
  const reason = reasonOf(info);
  if (reason !== undefined && l.state === "unhealthy") l.reason = reason;
  return l;
}

/** An endpoint's workers as the registry has them now, by id. */
export function registryView(
  registry: WorkerRegistry,
  endpointId: string,
  now: number,
): Map<string, WorkerInfo> {
  return new Map(registry.list(endpointId, new Map(), now).map((i) => [i.id, i]));
}

/** Every worker of the endpoint by state (started here or elsewhere); a crash-looping endpoint's dying slot too. */
export function countsOf(
  ep: EndpointRuntime,
  infos: ReadonlyMap<string, WorkerInfo>,
): Record<WorkerState, number> {
  const c = Object.fromEntries(WORKER_STATES.map((s) => [s, 0])) as Record<WorkerState, number>;
  for (const i of infos.values()) c[i.state]++;
  // A crash-looping endpoint has a slot that keeps dying: show it, even between restarts.
  if (ep.crashLooping && c.unhealthy === 0) c.unhealthy = 1;
  return c;
}

export function hintInput(
  ep: EndpointRuntime,
  counts: Record<WorkerState, number>,
  backoff: BackoffPolicy,
  now: number,
): HintInput {
  const crash: HintInput["crash"] = { consecutive: ep.crash.consecutive, looping: ep.crashLooping };
  const next = nextStartAt(ep.crash, backoff);
  if (next !== undefined) crash.nextStartAt = next;
  if (ep.lastCrash) crash.last = ep.lastCrash;
  return { now, settings: ep.config.scaling, managed: ep.config.worker !== undefined, counts, crash };
}

export function endpointStatus(ep: EndpointRuntime, o: ResolvedOptions): EndpointSupervision {
  const now = o.now();
  const infos = registryView(o.workers, ep.config.id, now);
  const workers = [...ep.workers.values()].map((w) => listing(w, infos.get(w.id), now, o));
  const counts = countsOf(ep, infos);
  const crash: EndpointSupervision["crash"] = { consecutive: ep.crash.consecutive, looping: ep.crashLooping };
  const next = nextStartAt(ep.crash, o.tuning.backoff);
  if (next !== undefined && next > now) crash.nextStartAt = next;
  if (ep.lastCrash) crash.last = { ...ep.lastCrash, lastLines: [...ep.lastCrash.lastLines] };
  // The same sentences the engine's `/health` gives for unhealthy workers, so the two lists merge cleanly.
  const unhealthy = [...infos.values()].filter((i) => i.state === "unhealthy").map(describeUnhealthy);
  return {
    id: ep.config.id,
    managed: ep.config.worker !== undefined,
    scaling: { ...ep.config.scaling },
    workers,
    counts,
    coldStart: ep.coldStarts.summary(),
    crash,
    hints: healthHints(hintInput(ep, counts, o.tuning.backoff, now), unhealthy),
  };
}
