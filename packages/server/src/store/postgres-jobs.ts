/**
 * The PostgreSQL `JobStore`'s submissions, look-ups, streams, counts and sweeps (status changes:
 * postgres-job-changes.ts). Sweeps run in bounded batches and skip rows another node has locked.
 */

import { countsOf } from "./job-row.js";
import type { FeedState, JobChangeMethods, JobCounts, JobStore, QueueStats } from "./job-store.js";
import { LIST_RECENT_MAX } from "./job-store.js";
import { clampLimit, type PgQuery } from "./postgres-query.js";
import { type JobRow, json, parse, toRecord } from "./postgres-rows.js";
import { OUTBOX_KEEP_MS } from "./webhook-outbox.js";

type Part = Omit<JobStore, "inlineWrites" | JobChangeMethods>;

export function postgresJobs(db: PgQuery): Part {
  return {
    async insert(job) {
      const values = [
        job.id,
        job.endpointId,
        job.sync,
        json(job.input),
        job.webhook ?? null,
        job.policy.executionTimeout,
        job.policy.ttl,
        job.policy.lowPriority,
        job.s3Config === undefined ? null : json(job.s3Config),
        job.extra === undefined ? null : json(job.extra),
        job.createdAt,
        job.createdAt + job.policy.ttl,
        job.retentionMs,
        job.idempotencyKey ?? null,
      ];
      // Empty only when a concurrent insert with the same key committed after our snapshot: look again.
      for (let attempt = 0; attempt < 5; attempt++) {
        const [row] = await db.rows<JobRow & { created: boolean }>("insert", values);
        if (row) return { job: toRecord(row), created: row.created };
      }
      throw new Error(
        `insert of job ${job.id} kept racing a concurrent insert with the same idempotency key`,
      );
    },

    get: (id) => db.one("get", [id]),

    async feedState(id) {
      const [r] = await db.rows<{ status: FeedState["status"]; progress: string | null }>("feedState", [id]);
      if (!r) return undefined;
      return r.progress === null ? { status: r.status } : { status: r.status, progress: r.progress };
    },

    findByIdempotencyKey: (endpointId, key) => db.one("byIdempotencyKey", [endpointId, key]),

    async listRecent(endpointId, options) {
      const limit = clampLimit(options.limit, LIST_RECENT_MAX);
      const rows =
        options.status === undefined
          ? await db.rows<JobRow>("recent", [endpointId, limit])
          : await db.rows<JobRow>("recentByStatus", [endpointId, options.status, limit]);
      return rows.map(toRecord);
    },

    async readChunks(id, afterSeq, limit = 1000) {
      const rows = await db.rows<{ seq: number; output: string }>("readChunks", [
        id,
        Math.trunc(afterSeq) || 0,
        clampLimit(limit, 100_000),
      ]);
      return rows.map((c) => ({ seq: c.seq, output: JSON.parse(c.output) as unknown }));
    },

    async drain(id, limit = 1000) {
      const [row] = await db.rows<{
        job: JobRow | null;
        chunks: { seq: number; output: string }[] | null;
      }>("drain", [id, clampLimit(limit, 100_000)]);
      if (!row?.job) return undefined;
      return {
        job: toRecord(row.job),
        chunks: (row.chunks ?? []).map((c) => ({ seq: c.seq, output: parse(c.output) })),
      };
    },

    async purgeQueue(endpointId) {
      return (await db.rows<{ id: string }>("purge", [endpointId])).map((r) => r.id);
    },

    async listByWorker(workerId) {
      return (await db.rows<JobRow>("byWorker", [workerId])).map(toRecord);
    },

    async workerLoads(endpointId) {
      const rows = await db.rows<{ worker_id: string; n: number }>("loads", [endpointId]);
      return new Map(rows.map((r) => [r.worker_id, r.n]));
    },

    async expiredLeases(now, limit) {
      return (await db.rows<JobRow>("expiredLeases", [now, clampLimit(limit, 100_000)])).map(toRecord);
    },

    async executionTimeouts(now, limit) {
      return (await db.rows<JobRow>("overdue", [now, clampLimit(limit, 100_000)])).map(toRecord);
    },

    async expireTtl(now, limit) {
      const rows = await db.rows<JobRow>("expireTtl", [now, clampLimit(limit, 100_000)]);
      rows.sort((a, b) => a.expires_at - b.expires_at);
      return rows.map(toRecord);
    },

    async expireRetention(now, limit) {
      const rows = await db.rows<{ id: string }>("expireRetention", [
        now,
        clampLimit(limit, 100_000),
        now - OUTBOX_KEEP_MS,
      ]);
      return rows.map((r) => r.id);
    },

    async counts(endpointId): Promise<JobCounts> {
      const rows = await db.rows<{ status: string; n: number }>("counts", [endpointId]);
      // The query's last row carries the endpoint's retried counter under the status 'RETRIED'.
      const by = new Map(rows.map((r) => [r.status, r.n]));
      return countsOf(by, by.get("RETRIED") ?? 0);
    },

    async queuedCount(endpointId, atMost) {
      if (atMost !== undefined && Number.isSafeInteger(atMost) && atMost >= 0) {
        return (await db.rows<{ n: number }>("queuedCountUpTo", [endpointId, atMost]))[0]?.n ?? 0;
      }
      return (await db.rows<{ n: number }>("queuedCount", [endpointId]))[0]?.n ?? 0;
    },

    async queueStats(endpointId) {
      const [r] = await db.rows<{ normal: number; low: number; running: number; oldest: number | null }>(
        "queueStats",
        [endpointId],
      );
      const stats: QueueStats = {
        inQueue: r?.normal ?? 0,
        inQueueLow: r?.low ?? 0,
        inProgress: r?.running ?? 0,
      };
      if (r?.oldest !== null && r?.oldest !== undefined) stats.oldestQueuedAt = r.oldest;
      return stats;
    },
  };
}
