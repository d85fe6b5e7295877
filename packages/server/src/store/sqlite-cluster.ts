/**
 * The `ClusterStore` part of the SQLite adapter. One SQLite file never has two Gantry nodes, so nothing uses it in
 * production; it exists so the cluster contract is one suite run against every store, and so a single node can
 * exercise the multi-node code paths in tests.
 */

import type Database from "better-sqlite3";
import type { ClusterStore, WorkerRow } from "./cluster-store.js";
import { byLimit } from "./sqlite-limit.js";

interface WorkerDbRow {
  id: string;
  endpoint_id: string;
  last_seen: number;
  changed_at: number;
  data: string;
}

/**
 * `write` runs a function atomically on the store's connection: the store passes its group commit, so these
 * writes join its batches instead of waiting on them (and answer only once committed, like every other write).
 */
export function sqliteClusterStore(
  db: Database.Database,
  write?: <T>(fn: () => T) => Promise<T>,
): ClusterStore {
  const s = {
    addStop: db.prepare<[string, string, number]>(
      "INSERT INTO stop_signals (worker_id, job_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    ),
    takeStops: byLimit(
      "SELECT seq, job_id FROM stop_signals WHERE worker_id = ? ORDER BY seq LIMIT ?",
      (sql) => db.prepare<[string], { seq: number; job_id: string }>(sql),
    ),
    deleteStop: db.prepare<[number]>("DELETE FROM stop_signals WHERE seq = ?"),
    clearStops: db.prepare<[string]>("DELETE FROM stop_signals WHERE worker_id = ?"),
    pruneStops: db.prepare<[number]>("DELETE FROM stop_signals WHERE created_at < ?"),
    upsertWorker: db.prepare<[string, string, number, number, string]>(
      `INSERT INTO workers (id, endpoint_id, last_seen, changed_at, data) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET
         endpoint_id = CASE WHEN excluded.changed_at >= changed_at THEN excluded.endpoint_id ELSE endpoint_id END,
         data = CASE WHEN excluded.changed_at >= changed_at THEN excluded.data ELSE data END,
         changed_at = max(changed_at, excluded.changed_at),
         last_seen = max(last_seen, excluded.last_seen)`,
    ),
    listWorkers: db.prepare<[], WorkerDbRow>("SELECT * FROM workers ORDER BY id"),
    deleteWorker: db.prepare<[string]>("DELETE FROM workers WHERE id = ?"),
    acquire: db.prepare<[string, string, number, number, string]>(
      `INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
       WHERE leases.until <= ? OR leases.holder = ?`,
    ),
    release: db.prepare<[string, string]>("DELETE FROM leases WHERE name = ? AND holder = ?"),
  };
  const tx = <T>(fn: () => T): Promise<T> => {
    if (write) return write(fn);
    try {
      return Promise.resolve(db.transaction(fn)());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    addStopSignal: (workerId, jobId, now) => tx(() => void s.addStop.run(workerId, jobId, now)),
    takeStopSignals: (workerId, limit) =>
      tx(() =>
        s
          .takeStops(Math.max(1, Math.floor(limit)))
          .all(workerId)
          .map((r) => {
            s.deleteStop.run(r.seq);
            return r.job_id;
          }),
      ),
    clearStopSignals: (workerId) => tx(() => void s.clearStops.run(workerId)),
    pruneStopSignals: (before) => tx(() => s.pruneStops.run(before).changes),
    upsertWorkers: (rows) =>
      tx(() => {
        for (const r of rows)
          s.upsertWorker.run(r.id, r.endpointId, r.lastSeen, r.changedAt, JSON.stringify(r.data) ?? "null");
      }),
    listWorkerRows: () =>
      tx(() =>
        s.listWorkers.all().map(
          (r): WorkerRow => ({
            id: r.id,
            endpointId: r.endpoint_id,
            lastSeen: r.last_seen,
            changedAt: r.changed_at,
            data: JSON.parse(r.data) as unknown,
          }),
        ),
      ),
    deleteWorkerRows: (ids) =>
      tx(() => {
        for (const id of ids) s.deleteWorker.run(id);
      }),
    acquireLease: ({ name, holder, now, until }) =>
      tx(() => s.acquire.run(name, holder, until, now, holder).changes > 0),
    releaseLease: (name, holder) => tx(() => void s.release.run(name, holder)),
  };
}
