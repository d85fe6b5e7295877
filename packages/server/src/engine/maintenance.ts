/**
 * The engine's background work: the sweeper's effects (requeues, timeouts, deletions), webhook delivery and
 * stop-signal pruning on the leader, forgetting quiet workers, and in cluster mode the bus, the leader lease and
 * the worker registry sync.
 */
import { eventOfKey, keyOfEvent } from "./bus.js";
import type { EngineCore } from "./core.js";
import type { EngineCluster } from "./engine-config.js";
import type { Leadership } from "./leader.js";
import { Sweeper } from "./sweeper.js";
import type { WebhookDispatcher } from "./webhooks.js";

/** Stop signals nobody collected (a worker without the job-stop channel) are dropped after this long. */
const STOP_SIGNAL_KEEP_MS = 600_000;
/** Past the supervisor's start timeout (10 min): a start nobody finished or abandoned. */
const ORPHANED_START_MS = 15 * 60_000;

export interface MaintenanceDeps {
  leadership: Leadership;
  webhooks: WebhookDispatcher;
  cluster: EngineCluster | undefined;
  sweepIntervalMs: number;
}

export function createSweeper(core: EngineCore, d: MaintenanceDeps): Sweeper {
  return new Sweeper(
    core.jobs,
    {
      maxRetries: (ep) => core.endpoints.get(ep)?.maxRetries ?? 3,
      requeued: (job) => core.events.queued(job),
      terminal: (job) => core.events.terminal(job),
      stop: (workerId, jobId) => core.events.stop(workerId, jobId),
      deleted: (job) => core.events.deleted(job.id),
      active: () => d.leadership.isLeader(),
      afterTick: async (now) => {
        if (d.leadership.isLeader()) {
          await d.webhooks.kick();
          await d.cluster?.store.pruneStopSignals(now - STOP_SIGNAL_KEEP_MS);
        }
        await pruneWorkers(core, d.cluster !== undefined, now);
      },
    },
    core.clock,
    d.sweepIntervalMs,
    core.log,
  );
}

/** Forgets workers that went quiet and hold no job; in cluster mode also starts a dead leader never finished. */
async function pruneWorkers(core: EngineCore, clustered: boolean, now: number): Promise<void> {
  const busy = new Set<string>();
  for (const ep of new Set(core.workers.endpoints()))
    for (const w of (await core.jobs.workerLoads(ep)).keys()) busy.add(w);
  const gone = core.workers.prune(now, (w) => busy.has(w));
  if (clustered) {
    // A worker a dead leader was starting stays "initializing" in the shared registry: nobody will remove it.
    for (const s of core.workers.snapshots(now)) {
      if (s.initializing && now - s.lastSeen > ORPHANED_START_MS && !busy.has(s.id)) {
        core.workers.remove(s.id);
        gone.push(s.id);
      }
    }
  }
  for (const id of gone) {
    // Shared stop signals are pruned by age on the leader: another node may still serve this worker.
    if (!clustered) await core.stops.clear(id);
    core.log.debug({ workerId: id }, "worker forgotten");
  }
  await core.workerSync?.forget(gone);
}

/** Wires the bus both ways, the leader lease and the worker registry sync; returns what undoes it. */
export function startCluster(
  core: EngineCore,
  cluster: EngineCluster,
  d: Pick<MaintenanceDeps, "leadership" | "webhooks">,
): (() => void)[] {
  const { waiters } = core;
  waiters.relay = (key, wake) => {
    const event = eventOfKey(key, wake);
    if (event) cluster.bus.publish(event);
  };
  const undo = [
    cluster.bus.subscribe((e) => {
      if (e.topic === "workers") void core.workerSync?.sync();
      else waiters.deliver(keyOfEvent(e), e.wake);
    }),
    d.leadership.onChange((leader) => {
      if (leader) void d.webhooks.kick();
    }),
  ];
  d.leadership.start();
  const sync = core.workerSync;
  if (sync) {
    const timer = setInterval(() => {
      void sync.sync().then((changed) => {
        if (changed) cluster.bus.publish({ topic: "workers", id: core.nodeId });
      });
    }, cluster.workerSyncMs ?? 1000);
    timer.unref();
    undo.push(() => clearInterval(timer));
  }
  return undo;
}
