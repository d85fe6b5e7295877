/**
 * `ClusterStore`: the state several Gantry nodes on one database share — stop signals (a worker's job-stop poll may
 * be held by any node), the worker registry rows and named leases (the leader). The engine needs it exactly in
 * cluster mode: `EngineCluster.store` is one, so a cluster without it does not type-check.
 */

/** One worker as the engine's registry shares it; `data` is the engine's own JSON, opaque to the store. */
export interface WorkerRow {
  id: string;
  endpointId: string;
  /** Latest contact (ms since the epoch); an upsert never moves it back. */
  lastSeen: number;
  /** When `data` last changed; an upsert with an older `changedAt` keeps the stored `data`. */
  changedAt: number;
  data: unknown;
}

/** Take or renew the lease `name` for `holder` until `until`. */
export interface LeaseClaim {
  name: string;
  holder: string;
  now: number;
  until: number;
}

export interface ClusterStore {
  /** Records that `workerId` must stop `jobId`; a repeat is a no-op. */
  addStopSignal(workerId: string, jobId: string, now: number): Promise<void>;
  /** Removes and returns up to `limit` pending stop ids of the worker, oldest first, atomically. */
  takeStopSignals(workerId: string, limit: number): Promise<string[]>;
  clearStopSignals(workerId: string): Promise<void>;
  /** Deletes stop signals recorded before `before` (a worker that never polls job-stop); returns how many. */
  pruneStopSignals(before: number): Promise<number>;

  upsertWorkers(rows: WorkerRow[]): Promise<void>;
  listWorkerRows(): Promise<WorkerRow[]>;
  deleteWorkerRows(ids: string[]): Promise<void>;

  /**
   * Granted when the lease is free, lapsed (`until <= now` of the stored row) or already held by `holder`.
   * Exactly one of concurrent callers wins.
   */
  acquireLease(claim: LeaseClaim): Promise<boolean>;
  /** Gives the lease up at once if `holder` has it. */
  releaseLease(name: string, holder: string): Promise<void>;
}
