/**
 * Every statement of the PostgreSQL adapter, built once per schema.
 *
 * A status change is ONE statement: `cur` locks the job row (`FOR UPDATE`, so under READ COMMITTED it holds the
 * newest committed version and nobody can change it until we commit), `upd` applies the change only if `cur`
 * is in a source state of the event — the list comes from `sourcesOf` in the state machine, the destination
 * from `transition` — and, for terminal changes, `hook` writes the webhook outbox row in the same statement.
 * The statement returns `cur` (the state before) and `upd` (after, absent when refused), so a refusal can be
 * explained from exactly the state that caused it.
 */
import { TERMINAL_STATUSES } from "../domain/job.js";
import { type LifecycleEvent, sourcesOf, transition } from "../domain/state-machine.js";

const quoted = (values: readonly string[]): string => `(${values.map((v) => `'${v}'`).join(", ")})`;

/** `col IN ('…', …)`: the states the machine accepts `event` in. */
const sourcesIn = (col: string, event: LifecycleEvent): string => `${col} IN ${quoted(sourcesOf(event))}`;

/** The state machine's destination of `event` for each source state, as SQL over `col`. */
function destinationOf(col: string, event: LifecycleEvent): string {
  const arms = sourcesOf(event).map((from) => {
    const t = transition(from, event);
    if (!t.ok || t.to === "DELETED") throw new Error(`no destination state for ${event.type} from ${from}`);
    return `WHEN '${from}' THEN '${t.to}'`;
  });
  return `CASE ${col} ${arms.join(" ")} END`;
}

const TERMINAL = quoted([...TERMINAL_STATUSES]);

export function buildStatements(s: string) {
  const jobs = `${s}.jobs`;
  const chunks = `${s}.chunks`;
  const outbox = `${s}.webhook_outbox`;

  /**
   * The one-statement transition. `$1` is always the job id; `now` names the parameter holding the time
   * (terminal changes only), `extra` adds CTEs that act on `upd`. `endpoint` names an optional endpoint guard
   * (NULL: none): a job on another endpoint is not in `cur`, so the change is refused as not found.
   */
  const change = (o: {
    set: string;
    guard: string;
    now?: string;
    extra?: string;
    endpoint?: string;
  }): string => `
    WITH cur AS (SELECT * FROM ${jobs} WHERE id = $1${
      o.endpoint === undefined
        ? ""
        : ` AND (${o.endpoint}::text IS NULL OR endpoint_id = ${o.endpoint}::text)`
    } FOR UPDATE),
    upd AS (
      UPDATE ${jobs} AS j SET ${o.set}
      FROM cur WHERE j.id = cur.id AND ${o.guard}
      RETURNING j.*
    )${
      o.now === undefined
        ? ""
        : `,
    hook AS (
      INSERT INTO ${outbox} (job_id, endpoint_id, url, snapshot, next_at, created_at)
      SELECT u.id, u.endpoint_id, u.webhook, row_to_json(u)::text, ${o.now}, ${o.now}
      FROM upd AS u WHERE u.webhook IS NOT NULL AND u.status IN ${TERMINAL}
    )`
    }${o.extra ?? ""}
    SELECT 'cur' AS which, cur.* FROM cur
    UNION ALL
    SELECT 'upd' AS which, upd.* FROM upd`;

  const held = (event: LifecycleEvent, worker: string) =>
    `cur.worker_id = ${worker} AND ${sourcesIn("cur.status", event)}`;

  const finish = (event: LifecycleEvent) =>
    change({
      set: `status = ${destinationOf("cur.status", event)}, completed_at = $3::bigint,
        retain_until = $3::bigint + j.retention_ms, output = $4::text, has_output = $5::boolean,
        error = $6::text, generator = $7::boolean, lease_until = NULL, deadline_at = NULL`,
      guard: held(event, "$2"),
      now: "$3::bigint",
      endpoint: "$8",
    });

  // cancel and execution timeout: end a live job without a result from the worker.
  const end = (event: LifecycleEvent) =>
    change({
      set: `status = ${destinationOf("cur.status", event)}, completed_at = $2::bigint,
        retain_until = $2::bigint + j.retention_ms, output = NULL, has_output = false, error = $3::text,
        lease_until = NULL, deadline_at = NULL`,
      guard: sourcesIn("cur.status", event),
      now: "$2::bigint",
    });

  // lease-lost goes to one of two states depending on the retries left; both come from the state machine.
  const lost = (retries: number, maxRetries: number) =>
    destinationOf("cur.status", { type: "lease-lost", retries, maxRetries });
  const requeue = "cur.retries < $3::integer"; // the machine's own rule: retries < maxRetries → IN_QUEUE

  return {
    get: `SELECT * FROM ${jobs} WHERE id = $1`,
    feedState: `SELECT status, CASE WHEN status = 'IN_PROGRESS' AND has_output THEN output END AS progress
      FROM ${jobs} WHERE id = $1`,
    byIdempotencyKey: `SELECT * FROM ${jobs} WHERE endpoint_id = $1 AND idempotency_key = $2`,
    recent: `SELECT * FROM ${jobs} WHERE endpoint_id = $1 ORDER BY created_at DESC, insert_seq DESC LIMIT $2`,
    recentByStatus: `SELECT * FROM ${jobs} WHERE endpoint_id = $1 AND status = $2
      ORDER BY created_at DESC, insert_seq DESC LIMIT $3`,

    // A repeated idempotency key inserts nothing and returns the existing row instead. When that row was
    // committed after this statement's snapshot, neither half returns a row: the caller runs it again.
    insert: `
      WITH ins AS (
        INSERT INTO ${jobs} (id, endpoint_id, status, sync, input, webhook, execution_timeout_ms, ttl_ms,
          low_priority, s3_config, extra, created_at, expires_at, retention_ms, idempotency_key)
        VALUES ($1, $2, 'IN_QUEUE', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::text)
        ON CONFLICT (endpoint_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING *
      )
      SELECT true AS created, ins.* FROM ins
      UNION ALL
      SELECT false AS created, j.* FROM ${jobs} AS j
      WHERE $14::text IS NOT NULL AND j.endpoint_id = $2 AND j.idempotency_key = $14::text
        AND NOT EXISTS (SELECT 1 FROM ins)`,

    // SKIP LOCKED: concurrent takers each lock different rows instead of queueing behind one another.
    // Jobs past their TTL that the sweeper has not deleted yet are skipped.
    take: `
      WITH picked AS (
        SELECT id FROM ${jobs}
        WHERE endpoint_id = $1 AND status = 'IN_QUEUE' AND expires_at > $2::bigint
        ORDER BY low_priority, queue_pos
        LIMIT $3
        FOR UPDATE SKIP LOCKED
      )
      UPDATE ${jobs} AS j SET status = ${destinationOf("j.status", { type: "take" })}, worker_id = $4,
        started_at = $2::bigint, lease_until = $5::bigint, deadline_at = $2::bigint + j.execution_timeout_ms
      FROM picked WHERE j.id = picked.id AND ${sourcesIn("j.status", { type: "take" })}
      RETURNING j.*`,

    putBack: `
      UPDATE ${jobs} SET status = ${destinationOf("status", { type: "put-back" })}, worker_id = NULL,
        started_at = NULL, lease_until = NULL, deadline_at = NULL, output = NULL, has_output = false
      WHERE id = ANY($1::text[]) AND worker_id = $2 AND ${sourcesIn("status", { type: "put-back" })}
      RETURNING *`,

    progress: change({
      set: "output = $3::text, has_output = true, lease_until = GREATEST(j.lease_until, $4::bigint)",
      guard: held({ type: "progress" }, "$2"),
      endpoint: "$5",
    }),

    // A chunk is in-progress activity, like progress: allowed exactly where progress is.
    appendChunk: change({
      set: "stream_count = j.stream_count + 1, lease_until = GREATEST(j.lease_until, $4::bigint)",
      guard: held({ type: "progress" }, "$2"),
      endpoint: "$5",
      extra: `,
    chunk AS (INSERT INTO ${chunks} (job_id, seq, output) SELECT id, stream_count, $3::text FROM upd)`,
    }),

    readChunks: `SELECT seq, output FROM ${chunks} WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,

    // The row lock serialises concurrent drains; each hands out only chunks after the cursor it found. A
    // COMPLETED non-generator job that streamed nothing yields its output once as chunk 1 (`first`).
    drain: `
      WITH cur AS (SELECT * FROM ${jobs} WHERE id = $1 FOR UPDATE),
      out AS (
        SELECT c.seq, c.output FROM ${chunks} AS c JOIN cur ON c.job_id = cur.id
        WHERE c.seq > cur.stream_drained ORDER BY c.seq LIMIT $2
      ),
      first AS (
        SELECT cur.output FROM cur
        WHERE NOT EXISTS (SELECT 1 FROM out) AND cur.status = 'COMPLETED' AND cur.stream_count = 0
          AND cur.stream_drained = 0 AND cur.has_output AND NOT cur.generator
      ),
      upd AS (
        UPDATE ${jobs} AS j
        SET stream_drained = GREATEST(j.stream_drained, coalesce((SELECT max(seq) FROM out), 1))
        FROM cur WHERE j.id = cur.id AND (EXISTS (SELECT 1 FROM out) OR EXISTS (SELECT 1 FROM first))
        RETURNING j.*
      )
      SELECT coalesce((SELECT row_to_json(upd) FROM upd), (SELECT row_to_json(cur) FROM cur)) AS job,
        coalesce(
          (SELECT json_agg(json_build_object('seq', seq, 'output', output) ORDER BY seq) FROM out),
          (SELECT json_build_array(json_build_object('seq', 1, 'output', output)) FROM first)
        ) AS chunks`,

    finishCompleted: finish({ type: "complete" }),
    finishFailed: finish({ type: "fail" }),
    cancel: end({ type: "cancel" }),
    timeout: end({ type: "timeout" }),

    // $6: the holder is known dead, so the lease need not have lapsed.
    leaseLost: change({
      set: `status = CASE WHEN ${requeue} THEN ${lost(0, 1)} ELSE ${lost(1, 1)} END,
        retries = j.retries + CASE WHEN ${requeue} THEN 1 ELSE 0 END,
        worker_id = CASE WHEN ${requeue} THEN NULL ELSE j.worker_id END,
        started_at = CASE WHEN ${requeue} THEN NULL ELSE j.started_at END,
        completed_at = CASE WHEN ${requeue} THEN NULL ELSE $4::bigint END,
        retain_until = CASE WHEN ${requeue} THEN NULL ELSE $4::bigint + j.retention_ms END,
        error = CASE WHEN ${requeue} THEN j.error ELSE $5::text END,
        output = NULL, has_output = false, lease_until = NULL, deadline_at = NULL`,
      guard: `${held({ type: "lease-lost", retries: 0, maxRetries: 1 }, "$2")}
        AND ($6::boolean OR cur.lease_until <= $4::bigint)`,
      now: "$4::bigint",
      extra: `,
    counted AS (
      INSERT INTO ${s}.endpoint_counters AS c (endpoint_id, retried)
      SELECT endpoint_id, 1 FROM upd WHERE status = 'IN_QUEUE'
      ON CONFLICT (endpoint_id) DO UPDATE SET retried = c.retried + 1
    )`,
    }),

    retry: change({
      set: `status = ${destinationOf("cur.status", { type: "retry" })},
        queue_pos = nextval('${s}.job_queue_pos'), worker_id = NULL, started_at = NULL, completed_at = NULL,
        retain_until = NULL, lease_until = NULL, deadline_at = NULL, output = NULL, has_output = false,
        error = NULL, stream_count = 0, stream_drained = 0, generator = false`,
      guard: sourcesIn("cur.status", { type: "retry" }),
      extra: `,
    cleared AS (DELETE FROM ${chunks} WHERE job_id IN (SELECT id FROM upd))`,
    }),

    purge: `DELETE FROM ${jobs} WHERE endpoint_id = $1 AND ${sourcesIn("status", { type: "purge" })} RETURNING id`,

    extendLeases: `
      UPDATE ${jobs} SET lease_until = GREATEST(coalesce(lease_until, 0), $3::bigint)
      WHERE id = ANY($1::text[]) AND worker_id = $2 AND status = 'IN_PROGRESS'`,
    byWorker: `SELECT * FROM ${jobs} WHERE worker_id = $1 AND status = 'IN_PROGRESS' ORDER BY started_at, id`,
    loads: `SELECT worker_id, count(*) AS n FROM ${jobs} WHERE endpoint_id = $1 AND status = 'IN_PROGRESS'
      GROUP BY worker_id`,
    expiredLeases: `SELECT * FROM ${jobs} WHERE status = 'IN_PROGRESS' AND lease_until <= $1
      ORDER BY lease_until LIMIT $2`,
    overdue: `SELECT * FROM ${jobs} WHERE status = 'IN_PROGRESS' AND deadline_at <= $1
      ORDER BY deadline_at LIMIT $2`,

    // Bounded batches (the sweeper calls again while a batch comes back full); SKIP LOCKED so a sweep never
    // waits on a job another node is changing. Chunks go with their job (ON DELETE CASCADE).
    expireTtl: `
      DELETE FROM ${jobs} WHERE id IN (
        SELECT id FROM ${jobs} WHERE expires_at <= $1 AND ${sourcesIn("status", { type: "expire" })}
        ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
      )
      RETURNING *`,
    expireRetention: `
      WITH gone AS (
        DELETE FROM ${jobs} WHERE id IN (
          SELECT id FROM ${jobs} WHERE retain_until <= $1 AND ${sourcesIn("status", { type: "forget" })}
          ORDER BY retain_until LIMIT $2 FOR UPDATE SKIP LOCKED
        )
        RETURNING id, retain_until
      ),
      pruned AS (
        DELETE FROM ${outbox} WHERE id IN (
          SELECT id FROM ${outbox} WHERE state <> 'pending' AND finished_at <= $3
          ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED
        )
      )
      SELECT id FROM gone ORDER BY retain_until, id`,

    counts: `
      SELECT status, count(*) AS n FROM ${jobs} WHERE endpoint_id = $1 GROUP BY status
      UNION ALL
      SELECT 'RETRIED', retried FROM ${s}.endpoint_counters WHERE endpoint_id = $1`,
    queuedCount: `SELECT count(*) AS n FROM ${jobs} WHERE endpoint_id = $1 AND status = 'IN_QUEUE'`,
    // The queue-cap check: stops at the cap instead of counting the whole queue (NULL limit = no limit).
    queuedCountUpTo: `
      SELECT count(*) AS n FROM (
        SELECT 1 FROM ${jobs} WHERE endpoint_id = $1 AND status = 'IN_QUEUE' LIMIT $2
      ) AS q`,
    queueStats: `
      SELECT count(*) FILTER (WHERE status = 'IN_QUEUE' AND NOT low_priority) AS normal,
        count(*) FILTER (WHERE status = 'IN_QUEUE' AND low_priority) AS low,
        count(*) FILTER (WHERE status = 'IN_PROGRESS') AS running,
        (SELECT created_at FROM ${jobs} WHERE endpoint_id = $1 AND status = 'IN_QUEUE' AND NOT low_priority
           ORDER BY queue_pos LIMIT 1) AS oldest
      FROM ${jobs} WHERE endpoint_id = $1 AND status IN ('IN_QUEUE', 'IN_PROGRESS')`,

    dueWebhooks: `SELECT * FROM ${outbox} WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at, id LIMIT $2`,
    claimWebhook: `
      UPDATE ${outbox} SET attempts = attempts + 1, next_at = $2
      WHERE id = $1 AND state = 'pending' AND next_at <= $3 RETURNING *`,
    webhookDelivered: `UPDATE ${outbox} SET state = 'delivered', finished_at = $2 WHERE id = $1 AND state = 'pending'`,
    webhookRetryAt: `UPDATE ${outbox} SET last_error = $2, next_at = $3 WHERE id = $1 AND state = 'pending'`,
    webhookGaveUp: `
      UPDATE ${outbox} SET state = 'failed', last_error = $2, finished_at = $3
      WHERE id = $1 AND state = 'pending'`,
    getWebhook: `SELECT * FROM ${outbox} WHERE id = $1`,
  };
}

export type Statements = ReturnType<typeof buildStatements>;
export type StatementName = keyof Statements;
