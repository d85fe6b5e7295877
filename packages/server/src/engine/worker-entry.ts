/**
 * One worker's shared record in the registry: what every node knows of it (replicated through the store on a
 * multi-node setup), with the rules for creating it, merging another node's copy, and measuring its cold start.
 */
import type { WorkerEvent } from "./worker-view.js";

/** What every node shares of a worker. */
export interface WorkerEntry {
  id: string;
  endpointId: string;
  firstSeen: number;
  lastSeen: number;
  concurrency: number;
  version?: string;
  unhealthy?: { check?: string; reason?: string; at: number };
  /** Spawned and has not asked for a job yet. */
  initializing: boolean;
  throttled: boolean;
  recycle: boolean;
  recycleAt?: number;
  spawnedAt?: number;
  firstContactAt?: number;
  firstTakeAt?: number;
}

export function newEntry(endpointId: string, workerId: string, now: number): WorkerEntry {
  return {
    id: workerId,
    endpointId,
    firstSeen: now,
    lastSeen: now,
    concurrency: 1,
    initializing: false,
    throttled: false,
    recycle: false,
  };
}

/** Spawn → first job-take request, for a worker whose spawn is known. */
export const coldStartOf = (e: WorkerEntry): number | undefined =>
  e.spawnedAt !== undefined && e.firstTakeAt !== undefined
    ? Math.max(0, e.firstTakeAt - e.spawnedAt)
    : undefined;

export function readyEvent(e: WorkerEntry): WorkerEvent {
  const event: WorkerEvent = {
    type: "ready",
    endpointId: e.endpointId,
    workerId: e.id,
    at: e.firstTakeAt ?? 0,
  };
  const cold = coldStartOf(e);
  if (cold !== undefined) event.coldStartMs = cold;
  return event;
}

const earliest = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined ? b : b === undefined ? a : Math.min(a, b);

/**
 * Another node's newer copy, merged with this node's: it wins, except for what only moves one way — `lastSeen`
 * never moves back, and a worker seen taking a job (here or there) does not become initializing again.
 */
export function mergeEntry(current: WorkerEntry | undefined, snapshot: WorkerEntry): WorkerEntry {
  const next = structuredClone(snapshot);
  if (!current || current.endpointId !== next.endpointId) return next;
  next.lastSeen = Math.max(current.lastSeen, next.lastSeen);
  const firstContactAt = earliest(current.firstContactAt, next.firstContactAt);
  const firstTakeAt = earliest(current.firstTakeAt, next.firstTakeAt);
  if (firstContactAt !== undefined) next.firstContactAt = firstContactAt;
  if (firstTakeAt !== undefined) {
    next.firstTakeAt = firstTakeAt;
    next.initializing = false;
  }
  return next;
}
