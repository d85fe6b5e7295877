/**
 * The SQLite `JobStore`'s status changes. better-sqlite3 is synchronous and one connection serves the process,
 * so each body runs atomically with no interleaving; the conditional `WHERE status = ?` clauses still spell out
 * the contract a multi-connection adapter (PostgreSQL) must keep.
 */
import { isTerminal, type JobRecord } from "../domain/job.js";
import { type LifecycleEvent, transition } from "../domain/state-machine.js";
import { type JobRow, json, toRecord } from "./job-row.js";
import type { Change, ChunkAppend, JobChanges, Refusal } from "./job-store.js";
import { rowOf, type SqliteJobsContext } from "./sqlite-statements.js";

// The conditional writes below encode these rules in their WHERE clauses; checked once against the state machine.
const TAKE_ALLOWED = transition("IN_QUEUE", { type: "take" }).ok;
const PROGRESS_ALLOWED = transition("IN_PROGRESS", { type: "progress" }).ok;

const refusal = (reason: Refusal["reason"], message: string, row?: JobRow): Refusal =>
  row ? { ok: false, reason, message, job: toRecord(row) } : { ok: false, reason, message };

export function sqliteJobChanges(c: SqliteJobsContext): JobChanges {
  const { s, commits } = c;

  /**
   * A worker may only touch a job it holds; terminal jobs are reported as such (idempotent repeats). A job on
   * another endpoint than `endpointId` is not found (ids are global, worker routes are per endpoint).
   */
  const held = (id: string, workerId: string, endpointId?: string): { row: JobRow } | Refusal => {
    const row = rowOf(c, id);
    if (!row || (endpointId !== undefined && row.endpoint_id !== endpointId)) {
      return refusal("not-found", `job ${id} not found`);
    }
    if (isTerminal(row.status)) return refusal("already-terminal", `job ${id} is already ${row.status}`, row);
    if (row.status !== "IN_PROGRESS" || row.worker_id !== workerId) {
      return refusal("not-owner", `job ${id} is not held by worker ${workerId}`);
    }
    return { row };
  };

  /** Why a holder-conditional write changed nothing: the precise refusal, from the row as it is. */
  const refused = (
    id: string,
    workerId: string,
    event: "progress" | "complete" | "fail",
    endpointId?: string,
  ): Refusal => {
    const h = held(id, workerId, endpointId);
    if (!("row" in h)) return h;
    const t = transition(h.row.status, { type: event });
    return refusal("not-allowed", t.ok ? `job ${id} changed concurrently` : t.message, h.row);
  };

  /** Adds the outbox row of a job that just became terminal (same transaction as the change). */
  const afterTerminal = (id: string, now: number, row = rowOf(c, id) as JobRow): JobRecord => {
    const job = toRecord(row);
    if (job.webhook) s.enqueueWebhook.run(job.id, job.endpointId, job.webhook, JSON.stringify(job), now, now);
    return job;
  };

  /** cancel and execution timeout: end a live job without a result from the worker. */
  const end = (id: string, event: LifecycleEvent, now: number, error: string | null): Change => {
    const row = rowOf(c, id);
    if (!row) return refusal("not-found", `job ${id} not found`);
    const t = transition(row.status, event);
    if (!t.ok) return refusal(t.reason, t.message, row);
    s.end.run({ id, from: row.status, status: t.to, now, error: error === null ? null : json(error) });
    return { ok: true, job: afterTerminal(id, now), previous: row.status };
  };

  return {
    take: ({ endpointId, workerId, max, now, leaseUntil }) => {
      if (!Number.isInteger(max) || max < 1) return Promise.resolve([]);
      // Every row `queued` selects is IN_QUEUE; `markTaken` re-checks that in its WHERE. The look-up runs before
      // any transaction: most takes of an idle fleet find nothing, and those need no write batch (nor its
      // commit). Nothing runs between it and the writes below (one synchronous call on one connection).
      const queued = TAKE_ALLOWED ? s.queued(max).all(endpointId, now) : [];
      if (queued.length === 0) return commits.read(() => []);
      return commits.write(() => {
        const taken: JobRecord[] = [];
        for (const { id } of queued) {
          const row = s.markTaken.get(workerId, now, leaseUntil, now, id);
          if (row) taken.push(toRecord(row));
        }
        return taken;
      });
    },

    putBack: (workerId, ids) =>
      commits.write(() => {
        const back: JobRecord[] = [];
        for (const id of ids) {
          const h = held(id, workerId);
          if (!("row" in h)) continue;
          if (!transition(h.row.status, { type: "put-back" }).ok) continue;
          if (s.requeue.run(0, id, workerId).changes === 1) back.push(toRecord(rowOf(c, id) as JobRow));
        }
        return back;
      }),

    // progress, appendChunk and finish write first, conditionally on the holder, and read the row only when the
    // write was refused, to say why: the common case is one statement instead of a read, a decode and a write.

    progress: ({ id, workerId, output, leaseUntil, endpointId }) =>
      commits.write((): Change => {
        const row = PROGRESS_ALLOWED
          ? s.progress.get(json(output), leaseUntil ?? null, id, workerId, endpointId ?? null)
          : undefined;
        if (row) return { ok: true, job: toRecord(row), previous: "IN_PROGRESS" };
        return refused(id, workerId, "progress", endpointId);
      }),

    appendChunk: ({ id, workerId, output, leaseUntil, endpointId }) =>
      commits.write((): ChunkAppend => {
        // A chunk is in-progress activity, like progress: allowed exactly where progress is.
        const row = PROGRESS_ALLOWED
          ? s.bumpStream.get(leaseUntil ?? null, id, workerId, endpointId ?? null)
          : undefined;
        if (!row) return refused(id, workerId, "progress", endpointId);
        s.insertChunk.run(id, row.stream_count, json(output));
        return { ok: true, seq: row.stream_count, job: toRecord(row) };
      }),

    finish: (w) =>
      commits.write((): Change => {
        const event = w.status === "COMPLETED" ? "complete" : "fail";
        const t = transition("IN_PROGRESS", { type: event });
        const row = t.ok
          ? (s.finish.get({
              id: w.id,
              workerId: w.workerId,
              now: w.now,
              status: t.to,
              output: w.hasOutput ? json(w.output) : null,
              hasOutput: w.hasOutput ? 1 : 0,
              error: w.error === undefined ? null : json(w.error),
              generator: w.generator ? 1 : 0,
              endpointId: w.endpointId ?? null,
            }) as JobRow | undefined)
          : undefined;
        if (row) return { ok: true, job: afterTerminal(w.id, w.now, row), previous: "IN_PROGRESS" };
        return refused(w.id, w.workerId, event, w.endpointId);
      }),

    cancel: (id, now) => commits.write(() => end(id, { type: "cancel" }, now, null)),

    timeout: (id, now, error) => commits.write(() => end(id, { type: "timeout" }, now, error)),

    leaseLost: ({ id, workerId, maxRetries, now, error, workerGone }) =>
      commits.write((): Change => {
        const h = held(id, workerId);
        if (!("row" in h)) return h;
        const row = h.row;
        if (workerGone !== true && (row.lease_until === null || row.lease_until > now)) {
          return refusal("not-allowed", `the lease of job ${id} was renewed`, row);
        }
        const t = transition(row.status, { type: "lease-lost", retries: row.retries, maxRetries });
        if (!t.ok) return refusal(t.reason, t.message, row);
        if (t.to === "IN_QUEUE") {
          s.requeue.run(1, id, workerId);
          s.bumpRetried.run(row.endpoint_id);
          return { ok: true, job: toRecord(rowOf(c, id) as JobRow), previous: row.status };
        }
        s.end.run({ id, from: row.status, status: t.to, now, error: json(error) });
        return { ok: true, job: afterTerminal(id, now), previous: row.status };
      }),

    retry: (id) =>
      commits.write((): Change => {
        const row = rowOf(c, id);
        if (!row) return refusal("not-found", `job ${id} not found`);
        const t = transition(row.status, { type: "retry" });
        if (!t.ok) return refusal(t.reason, t.message, row);
        s.retry.run(c.positions.next(), id);
        s.deleteChunks.run(id);
        return { ok: true, job: toRecord(rowOf(c, id) as JobRow), previous: row.status };
      }),

    extendLeases: (workerId, ids, leaseUntil) =>
      commits.write(() => {
        let n = 0;
        for (const id of ids) n += s.extendLease.run(leaseUntil, id, workerId).changes;
        return n;
      }),
  };
}
