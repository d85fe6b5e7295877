/**
 * The PostgreSQL `JobStore`'s status changes. Each is one statement that locks the job row and applies the
 * change only from a source state the state machine allows (see `postgres-sql.ts`), so any number of connections
 * and nodes can race on a job and exactly one wins. `take` uses `FOR UPDATE SKIP LOCKED`: many takers, each a
 * different job.
 */
import { isTerminal } from "../domain/job.js";
import { type LifecycleEvent, transition } from "../domain/state-machine.js";
import type { Change, JobChanges, Refusal } from "./job-store.js";
import type { PgQuery } from "./postgres-query.js";
import { type JobRow, json, toRecord } from "./postgres-rows.js";
import type { StatementName } from "./postgres-sql.js";

type Which = JobRow & { which: "cur" | "upd" };

const refusal = (reason: Refusal["reason"], message: string, row?: JobRow): Refusal =>
  row ? { ok: false, reason, message, job: toRecord(row) } : { ok: false, reason, message };

/** The row before (`cur`) and after (`upd`) a one-statement change. */
function split(rows: Which[]): { cur?: JobRow; upd?: JobRow } {
  const out: { cur?: JobRow; upd?: JobRow } = {};
  for (const r of rows) out[r.which] = r;
  return out;
}

/** A worker may only touch a job it holds; terminal jobs are reported as such (idempotent repeats). */
function notHeld(id: string, workerId: string, row: JobRow | undefined): Refusal | undefined {
  if (!row) return refusal("not-found", `job ${id} not found`);
  if (isTerminal(row.status)) return refusal("already-terminal", `job ${id} is already ${row.status}`, row);
  if (row.status !== "IN_PROGRESS" || row.worker_id !== workerId) {
    return refusal("not-owner", `job ${id} is not held by worker ${workerId}`);
  }
  return undefined;
}

/** Why the state machine refuses `event` on `row`; the SQL guard and this must agree. */
function refusedBy(id: string, row: JobRow, event: LifecycleEvent): Refusal {
  const t = transition(row.status, event);
  if (!t.ok) return refusal(t.reason, t.message, row);
  return refusal("not-allowed", `job ${id} changed concurrently; try again`, row);
}

const notFound = (id: string): Refusal => refusal("not-found", `job ${id} not found`);

export function postgresJobChanges(db: PgQuery): JobChanges {
  /** Runs a one-statement change; on refusal, `explain` says why from the row as it was. */
  const change = async (
    name: StatementName,
    values: unknown[],
    explain: (cur: JobRow | undefined) => Refusal,
  ): Promise<Change> => {
    const { cur, upd } = split(await db.rows<Which>(name, values));
    if (cur && upd) return { ok: true, job: toRecord(upd), previous: cur.status };
    return explain(cur);
  };

  return {
    async take({ endpointId, workerId, max, now, leaseUntil }) {
      if (!Number.isInteger(max) || max < 1) return [];
      const rows = await db.rows<JobRow>("take", [endpointId, now, max, workerId, leaseUntil]);
      // UPDATE … RETURNING has no order: restore the queue's.
      rows.sort((a, b) => Number(a.low_priority) - Number(b.low_priority) || a.queue_pos - b.queue_pos);
      return rows.map(toRecord);
    },

    async putBack(workerId, ids) {
      if (ids.length === 0) return [];
      const rows = await db.rows<JobRow>("putBack", [ids, workerId]);
      const order = new Map(ids.map((id, i) => [id, i]));
      rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
      return rows.map(toRecord);
    },

    progress: ({ id, workerId, output, leaseUntil, endpointId }) =>
      change(
        "progress",
        [id, workerId, json(output), leaseUntil ?? null, endpointId ?? null],
        (cur) => notHeld(id, workerId, cur) ?? refusedBy(id, cur as JobRow, { type: "progress" }),
      ),

    async appendChunk({ id, workerId, output, leaseUntil, endpointId }) {
      const r = await change(
        "appendChunk",
        [id, workerId, json(output), leaseUntil ?? null, endpointId ?? null],
        (cur) => notHeld(id, workerId, cur) ?? refusedBy(id, cur as JobRow, { type: "progress" }),
      );
      return r.ok ? { ok: true, seq: r.job.streamCount, job: r.job } : r;
    },

    finish(w) {
      const event: LifecycleEvent = { type: w.status === "COMPLETED" ? "complete" : "fail" };
      return change(
        w.status === "COMPLETED" ? "finishCompleted" : "finishFailed",
        [
          w.id,
          w.workerId,
          w.now,
          w.hasOutput ? json(w.output) : null,
          w.hasOutput,
          w.error === undefined ? null : json(w.error),
          w.generator,
          w.endpointId ?? null,
        ],
        (cur) => notHeld(w.id, w.workerId, cur) ?? refusedBy(w.id, cur as JobRow, event),
      );
    },

    cancel: (id, now) =>
      change("cancel", [id, now, null], (cur) =>
        cur ? refusedBy(id, cur, { type: "cancel" }) : notFound(id),
      ),

    timeout: (id, now, error) =>
      change("timeout", [id, now, json(error)], (cur) =>
        cur ? refusedBy(id, cur, { type: "timeout" }) : notFound(id),
      ),

    leaseLost({ id, workerId, maxRetries, now, error, workerGone }) {
      const gone = workerGone === true;
      return change("leaseLost", [id, workerId, maxRetries, now, json(error), gone], (cur) => {
        const not = notHeld(id, workerId, cur);
        if (not) return not;
        const row = cur as JobRow;
        if (!gone && (row.lease_until === null || row.lease_until > now)) {
          return refusal("not-allowed", `the lease of job ${id} was renewed`, row);
        }
        return refusedBy(id, row, { type: "lease-lost", retries: row.retries, maxRetries });
      });
    },

    retry: (id) =>
      change("retry", [id], (cur) => (cur ? refusedBy(id, cur, { type: "retry" }) : notFound(id))),

    async extendLeases(workerId, ids, leaseUntil) {
      if (ids.length === 0) return 0;
      return (await db.q("extendLeases", [ids, workerId, leaseUntil])).rowCount ?? 0;
    },
  };
}
