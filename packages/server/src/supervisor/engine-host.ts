/**
 * The supervisor's view of the `Engine` besides its worker registry: queue statistics from the store and job
 * states for overrun checks. An exited process is released at once: its jobs are requeued now instead of when
 * their leases lapse.
 */
import type { Engine } from "../engine/engine.js";
import type { SupervisorHost } from "./supervisor.js";

export function engineHost(engine: Engine): SupervisorHost {
  return {
    queueStats: (endpointId) => engine.store.jobs.queueStats(endpointId),
    async jobState(endpointId, jobId) {
      const job = await engine.store.jobs.get(jobId);
      if (!job || job.endpointId !== endpointId) return undefined;
      return job.workerId !== undefined
        ? { status: job.status, workerId: job.workerId }
        : { status: job.status };
    },
    async workerGone(_endpointId, workerId, reason) {
      await engine.releaseWorker(workerId, `exited: ${reason}`);
    },
  };
}
