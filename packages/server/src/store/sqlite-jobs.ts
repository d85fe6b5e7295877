/**
 * The SQLite `JobStore`'s submissions, look-ups, streams and counts (status changes: sqlite-job-changes.ts,
 * sweeps: sqlite-sweeps.ts). Writes go through the group commit (`commits.write`): no call resolves before its
 * change is committed; reads need no transaction of their own (one statement is atomic, nothing interleaves).
 */
import type { JobRecord } from "../domain/job.js";
import { countsOf, flag, type JobRow, json, parse, toRecord } from "./job-row.js";
import type { JobStore, NewJob, QueueStats } from "./job-store.js";
import { LIST_RECENT_MAX } from "./job-store.js";
import { rowOf, type SqliteJobsContext } from "./sqlite-statements.js";

type Part = Pick<
  JobStore,
  | "insert"
  | "get"
  | "feedState"
  | "findByIdempotencyKey"
  | "listRecent"
  | "readChunks"
  | "drain"
  | "purgeQueue"
  | "listByWorker"
  | "workerLoads"
  | "counts"
  | "queuedCount"
  | "queueStats"
>;

/** The row `insert` writes: what we were given plus the schema's defaults. */
function newRow(job: NewJob, queuePos: number): JobRow {
  return {
    id: job.id,
    endpoint_id: job.endpointId,
    status: "IN_QUEUE",
    sync: job.sync ? 1 : 0,
    input: json(job.input),
    webhook: job.webhook ?? null,
    execution_timeout_ms: job.policy.executionTimeout,
    ttl_ms: job.policy.ttl,
    low_priority: job.policy.lowPriority ? 1 : 0,
    s3_config: job.s3Config === undefined ? null : json(job.s3Config),
    extra: job.extra === undefined ? null : json(job.extra),
    created_at: job.createdAt,
    started_at: null,
    completed_at: null,
    expires_at: job.createdAt + job.policy.ttl,
    retention_ms: job.retentionMs,
    retain_until: null,
    worker_id: null,
    output: null,
    has_output: 0,
    error: null,
    retries: 0,
    stream_count: 0,
    stream_drained: 0,
    generator: 0,
    lease_until: null,
    deadline_at: null,
    queue_pos: queuePos,
    idempotency_key: job.idempotencyKey ?? null,
  };
}

export function sqliteJobs(c: SqliteJobsContext): Part {
  const { s, commits } = c;
  return {
    insert: (job) =>
      commits.write(() => {
        if (job.idempotencyKey !== undefined) {
          const existing = s.byIdempotencyKey.get(job.endpointId, job.idempotencyKey);
          if (existing) return { job: toRecord(existing), created: false };
        }
        // No `RETURNING *`: reading the row back cost more than the insert itself. The row is what we wrote
        // plus the schema's defaults (a conformance case checks it equals what `get` reads).
        const row = newRow(job, c.positions.next());
        s.insert.run({
          id: row.id,
          endpointId: row.endpoint_id,
          sync: row.sync,
          input: row.input,
          webhook: row.webhook,
          executionTimeout: row.execution_timeout_ms,
          ttl: row.ttl_ms,
          lowPriority: row.low_priority,
          s3Config: row.s3_config,
          extra: row.extra,
          createdAt: row.created_at,
          expiresAt: row.expires_at,
          retentionMs: row.retention_ms,
          queuePos: row.queue_pos,
          idempotencyKey: row.idempotency_key,
        });
        return { job: toRecord(row), created: true };
      }),

    get: (id) =>
      commits.read(() => {
        const row = rowOf(c, id);
        return row ? toRecord(row) : undefined;
      }),

    feedState: (id) =>
      commits.read(() => {
        const r = s.feedState.get(id);
        if (!r) return undefined;
        return r.progress === null ? { status: r.status } : { status: r.status, progress: r.progress };
      }),

    findByIdempotencyKey: (endpointId, key) =>
      commits.read(() => {
        const row = s.byIdempotencyKey.get(endpointId, key);
        return row ? toRecord(row) : undefined;
      }),

    listRecent: (endpointId, options) => {
      const raw = Math.trunc(options.limit);
      const limit = Number.isFinite(raw) ? Math.min(Math.max(1, raw), LIST_RECENT_MAX) : 1;
      return commits.read(() =>
        (options.status === undefined
          ? s.recent(limit).all(endpointId)
          : s.recentByStatus(limit).all(endpointId, options.status)
        ).map(toRecord),
      );
    },

    readChunks: (id, afterSeq, limit = 1000) =>
      commits.read(() =>
        s
          .chunksAfter(limit)
          .all(id, afterSeq)
          .map((ch) => ({ seq: ch.seq, output: JSON.parse(ch.output) as unknown })),
      ),

    drain: (id, limit = 1000) =>
      commits.write(() => {
        const row = rowOf(c, id);
        if (!row) return undefined;
        const chunks = s
          .chunksAfter(limit)
          .all(id, row.stream_drained)
          .map((ch) => ({ seq: ch.seq, output: JSON.parse(ch.output) as unknown }));
        const last = chunks.at(-1);
        if (last) {
          s.setDrained.run(last.seq, id);
        } else if (
          row.status === "COMPLETED" &&
          row.stream_count === 0 &&
          row.stream_drained === 0 &&
          flag(row.has_output) &&
          !flag(row.generator)
        ) {
          // A non-generator job: its output is the one and only "chunk".
          chunks.push({ seq: 1, output: parse(row.output) });
          s.setDrained.run(1, id);
        }
        return { job: toRecord(rowOf(c, id) as JobRow), chunks };
      }),

    purgeQueue: (endpointId) => commits.write(() => s.purge.all(endpointId).map((r) => r.id)),

    listByWorker: (workerId) => commits.read((): JobRecord[] => s.byWorker.all(workerId).map(toRecord)),

    workerLoads: (endpointId) =>
      commits.read(() => new Map(s.loads.all(endpointId).map((r) => [r.worker_id, r.n]))),

    counts: (endpointId) =>
      commits.write(() => {
        const by = new Map(s.counts.all(endpointId).map((r) => [r.status, r.n]));
        return countsOf(by, s.retried.get(endpointId)?.retried ?? 0);
      }),

    // The trigger-kept counter is exact and O(1): no need to stop at `atMost`.
    queuedCount: (endpointId) => commits.read(() => s.queuedCount.get(endpointId)?.n ?? 0),

    queueStats: (endpointId) =>
      commits.read(() => {
        const r = s.queueStats.get({ ep: endpointId });
        const stats: QueueStats = {
          inQueue: r?.normal ?? 0,
          inQueueLow: r?.low ?? 0,
          inProgress: r?.running ?? 0,
        };
        if (r?.oldest !== null && r?.oldest !== undefined) stats.oldestQueuedAt = r.oldest;
        return stats;
      }),
  };
}
