/**
 * The `ClusterStore` part of the PostgreSQL adapter: stop signals, the shared worker registry and leases
 * (tables of migration 2 in postgres-migrations.ts). Each method is one statement, so concurrent nodes never
 * both win: a stop signal is handed out by the `DELETE … RETURNING` that removes it, and a lease by the
 * conditional `INSERT … ON CONFLICT DO UPDATE … WHERE`.
 */
import type pg from "pg";
import type { ClusterStore, WorkerRow } from "./cluster-store.js";

/** Migration appended to postgres-migrations.ts (schema already quoted). */
export const clusterMigration = (s: string): string => `
  CREATE TABLE ${s}.stop_signals (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    worker_id   text NOT NULL,
    job_id      text NOT NULL,
    created_at  bigint NOT NULL,
    UNIQUE (worker_id, job_id)
  );
  CREATE INDEX stop_signals_created ON ${s}.stop_signals (created_at);
  CREATE TABLE ${s}.workers (
    id           text PRIMARY KEY,
    endpoint_id  text NOT NULL,
    last_seen    bigint NOT NULL,
    changed_at   bigint NOT NULL,
    data         text NOT NULL
  );
  CREATE TABLE ${s}.leases (
    name    text PRIMARY KEY,
    holder  text NOT NULL,
    until   bigint NOT NULL
  );
`;

interface WorkerDbRow {
  id: string;
  endpoint_id: string;
  last_seen: string | number;
  changed_at: string | number;
  data: string;
}

export function postgresClusterStore(pool: pg.Pool, s: string): ClusterStore {
  const q = (text: string, values: unknown[]) => pool.query(text, values);
  return {
    async addStopSignal(workerId, jobId, now) {
      await q(
        `INSERT INTO ${s}.stop_signals (worker_id, job_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (worker_id, job_id) DO NOTHING`,
        [workerId, jobId, now],
      );
    },
    async takeStopSignals(workerId, limit) {
      const { rows } = await q(
        `DELETE FROM ${s}.stop_signals WHERE seq IN (
           SELECT seq FROM ${s}.stop_signals WHERE worker_id = $1 ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING seq, job_id`,
        [workerId, Math.max(1, Math.floor(limit))],
      );
      return (rows as { seq: string | number; job_id: string }[])
        .sort((a, b) => Number(a.seq) - Number(b.seq))
        .map((r) => r.job_id);
    },
    async clearStopSignals(workerId) {
      await q(`DELETE FROM ${s}.stop_signals WHERE worker_id = $1`, [workerId]);
    },
    async pruneStopSignals(before) {
      return (await q(`DELETE FROM ${s}.stop_signals WHERE created_at < $1`, [before])).rowCount ?? 0;
    },
    async upsertWorkers(rows) {
      if (rows.length === 0) return;
      // Sorted so two nodes upserting overlapping sets lock rows in the same order (no deadlock).
      const sorted = [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const unique = sorted.filter((r, i) => sorted[i + 1]?.id !== r.id);
      await q(
        `INSERT INTO ${s}.workers AS w (id, endpoint_id, last_seen, changed_at, data)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[])
         ON CONFLICT (id) DO UPDATE SET
           endpoint_id = CASE WHEN excluded.changed_at >= w.changed_at THEN excluded.endpoint_id ELSE w.endpoint_id END,
           data = CASE WHEN excluded.changed_at >= w.changed_at THEN excluded.data ELSE w.data END,
           changed_at = greatest(w.changed_at, excluded.changed_at),
           last_seen = greatest(w.last_seen, excluded.last_seen)`,
        [
          unique.map((r) => r.id),
          unique.map((r) => r.endpointId),
          unique.map((r) => r.lastSeen),
          unique.map((r) => r.changedAt),
          unique.map((r) => JSON.stringify(r.data) ?? "null"),
        ],
      );
    },
    async listWorkerRows() {
      const { rows } = await q(`SELECT * FROM ${s}.workers ORDER BY id`, []);
      return (rows as WorkerDbRow[]).map(
        (r): WorkerRow => ({
          id: r.id,
          endpointId: r.endpoint_id,
          lastSeen: Number(r.last_seen),
          changedAt: Number(r.changed_at),
          data: JSON.parse(r.data) as unknown,
        }),
      );
    },
    async deleteWorkerRows(ids) {
      if (ids.length === 0) return;
      await q(`DELETE FROM ${s}.workers WHERE id = ANY($1::text[])`, [ids]);
    },
    async acquireLease({ name, holder, now, until }) {
      const r = await q(
        `INSERT INTO ${s}.leases AS l (name, holder, until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
         WHERE l.until <= $4 OR l.holder = $2`,
        [name, holder, until, now],
      );
      return (r.rowCount ?? 0) > 0;
    },
    async releaseLease(name, holder) {
      await q(`DELETE FROM ${s}.leases WHERE name = $1 AND holder = $2`, [name, holder]);
    },
  };
}
