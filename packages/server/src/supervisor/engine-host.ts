/**
 * The supervisor's view of the `Engine`: queue statistics from the store, job states for overrun checks, and
 * the worker registry kept in step (a started process shows as initializing until it calls in). An exited
 * process is released at once: its jobs are requeued now instead of when their leases lapse.
 */
import type { Engine } from "../engine/engine.js";
import type { SupervisorHost } from "./supervisor.js";

export function engineHost(engine: Engine, now: () => number = Date.now): SupervisorHost {
  return {
    queueStats: (endpointId) => engine.store.jobs.queueStats(endpointId),
    async jobState(endpointId, jobId) {
      const job = await engine.store.jobs.get(jobId);
      if (!job || job.endpointId !== endpointId) return undefined;
      return job.workerId !== undefined
        ? { status: job.status, workerId: job.workerId }
        : { status: job.status };
    },
    workerStarting(endpointId, workerId) {
      engine.workers.markInitializing(endpointId, workerId, now());
    },
    async workerGone(_endpointId, workerId, reason) {
      await engine.releaseWorker(workerId, `exited: ${reason}`);
    },
  };
}
