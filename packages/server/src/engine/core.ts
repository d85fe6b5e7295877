/**
 * What the engine's operations (submission.ts, job-reads.ts, job-feed.ts, job-control.ts, worker-ops.ts,
 * maintenance.ts) share, built once by `Engine`: their explicit dependencies, and nothing else.
 */
import type { EndpointLookup } from "../domain/endpoint.js";
import type { JobRecord, JobView } from "../domain/job.js";
import type { JobStore } from "../store/job-store.js";
import type { JobEvents } from "./job-events.js";
import type { EngineLogger } from "./logger.js";
import type { StopSignals } from "./stop-signals.js";
import { toView } from "./view.js";
import type { Waiters } from "./waiters.js";
import type { WorkerRegistrySync } from "./worker-sync.js";
import { WorkerRegistry } from "./workers.js";

export interface EngineCore {
  readonly jobs: JobStore;
  readonly endpoints: EndpointLookup;
  readonly waiters: Waiters;
  readonly workers: WorkerRegistry;
  readonly stops: StopSignals;
  readonly events: JobEvents;
  readonly clock: () => number;
  readonly log: EngineLogger;
  /** Suffix of the job ids this node makes. */
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly takeHoldMs: number;
  readonly stopHoldMs: number;
  /** Cluster mode: how often feeds re-read the store, since another node's wake-up may be lost. */
  readonly recheckMs: number | undefined;
  /** Cluster mode: the registry's shared rows. */
  readonly workerSync: WorkerRegistrySync | undefined;
  /** True once the engine is stopping: long-polls answer at once. */
  stopped(): boolean;
}

/** The job if it exists and belongs to the endpoint (ids are global, routes are per endpoint). */
export async function findJob(
  core: EngineCore,
  endpointId: string,
  jobId: string,
): Promise<JobRecord | undefined> {
  const job = await core.jobs.get(jobId);
  return job && job.endpointId === endpointId ? job : undefined;
}

export const viewOf = (core: EngineCore, job: JobRecord): JobView => toView(job, core.clock());

/** Adds a "why is it waiting" hint to a queued job when every worker of its endpoint is unhealthy. */
export function viewWithHint(core: EngineCore, job: JobRecord): JobView {
  if (job.status !== "IN_QUEUE") return viewOf(core, job);
  const now = core.clock();
  const workers = core.workers.list(job.endpointId, new Map(), now);
  const unhealthy = workers.filter((w) => w.state === "unhealthy");
  if (workers.length === 0 || unhealthy.length !== workers.length) return viewOf(core, job);
  const hint = `every worker of endpoint ${job.endpointId} is unhealthy: ${unhealthy
    .map(WorkerRegistry.describeUnhealthy)
    .join("; ")}`;
  return toView(job, now, hint);
}
