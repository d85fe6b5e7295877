/**
 * SQLite schema as an ordered list of migrations; `schema_version` records how many have been applied.
 * Append new migrations, never edit applied ones.
 */
import type Database from "better-sqlite3";

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id                    TEXT PRIMARY KEY,
    endpoint_id           TEXT NOT NULL,
    status                TEXT NOT NULL,
    sync                  INTEGER NOT NULL,
    input                 TEXT NOT NULL,          -- JSON
    webhook               TEXT,
    execution_timeout_ms  INTEGER NOT NULL,
    ttl_ms                INTEGER NOT NULL,
    low_priority          INTEGER NOT NULL,
    s3_config             TEXT,                   -- JSON
    extra                 TEXT,                   -- JSON object
    created_at            INTEGER NOT NULL,
    started_at            INTEGER,
    completed_at          INTEGER,
    expires_at            INTEGER NOT NULL,
    retention_ms          INTEGER NOT NULL,
    retain_until          INTEGER,
    worker_id             TEXT,
    output                TEXT,                   -- JSON, meaningful when has_output = 1
    has_output            INTEGER NOT NULL DEFAULT 0,
    error                 TEXT,                   -- JSON
    retries               INTEGER NOT NULL DEFAULT 0,
    stream_count          INTEGER NOT NULL DEFAULT 0,
    stream_drained        INTEGER NOT NULL DEFAULT 0,
    generator             INTEGER NOT NULL DEFAULT 0,
    lease_until           INTEGER,
    deadline_at           INTEGER,                -- started_at + execution timeout
    queue_pos             INTEGER NOT NULL,       -- FIFO order; kept on put-back/requeue so the job returns to the head
    idempotency_key       TEXT
  );
  -- The take path: queued rows per endpoint, normal priority first, then FIFO.
  CREATE INDEX jobs_take ON jobs (endpoint_id, low_priority, queue_pos) WHERE status = 'IN_QUEUE';
  CREATE UNIQUE INDEX jobs_idempotency ON jobs (endpoint_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX jobs_lease ON jobs (lease_until) WHERE status = 'IN_PROGRESS';
  CREATE INDEX jobs_deadline ON jobs (deadline_at) WHERE status = 'IN_PROGRESS';
  CREATE INDEX jobs_worker ON jobs (worker_id) WHERE status = 'IN_PROGRESS';
  CREATE INDEX jobs_expires ON jobs (expires_at);
  CREATE INDEX jobs_retain ON jobs (retain_until) WHERE retain_until IS NOT NULL;
  CREATE INDEX jobs_endpoint_status ON jobs (endpoint_id, status);

  CREATE TABLE chunks (
    job_id  TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    output  TEXT NOT NULL,                        -- JSON
    PRIMARY KEY (job_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE endpoint_counters (
    endpoint_id  TEXT PRIMARY KEY,
    retried      INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE webhook_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id       TEXT NOT NULL,
    endpoint_id  TEXT NOT NULL,
    url          TEXT NOT NULL,
    snapshot     TEXT NOT NULL,                   -- JSON JobRecord at the terminal moment
    state        TEXT NOT NULL DEFAULT 'pending', -- pending | delivered | failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    last_error   TEXT
  );
  CREATE INDEX webhook_outbox_due ON webhook_outbox (next_at) WHERE state = 'pending';
  CREATE INDEX webhook_outbox_finished ON webhook_outbox (finished_at) WHERE state <> 'pending';

  CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
  );
  INSERT INTO meta (key, value) VALUES ('queue_pos', 0);
  `,
  // 2: the endpoint's recent jobs, newest first (`GET /requests`), without sorting the whole endpoint.
  `
  CREATE INDEX jobs_recent ON jobs (endpoint_id, created_at);
  CREATE INDEX jobs_recent_status ON jobs (endpoint_id, status, created_at);
  `,
  // 3: cluster state (stop signals, shared worker registry, leases); used when several nodes share a store.
  `
  CREATE TABLE stop_signals (
    worker_id  TEXT NOT NULL,
    job_id     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    UNIQUE (worker_id, job_id)
  );
  CREATE INDEX stop_signals_created ON stop_signals (created_at);
  CREATE TABLE workers (
    id          TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL,
    last_seen   INTEGER NOT NULL,
    changed_at  INTEGER NOT NULL,
    data        TEXT NOT NULL
  );
  CREATE TABLE leases (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  INTEGER NOT NULL
  );
  `,
  // 4: jobs per endpoint and status, kept by triggers in the same statement as every change, so the queue-cap
  // check of each submit and the counters of /health cost one row read instead of a scan that grows with the
  // queue. `jobs_endpoint_status` goes: `jobs_recent_status` has the same prefix, and every status
  // change paid for updating both.
  `
  DROP INDEX jobs_endpoint_status;
  CREATE TABLE job_status_counts (
    endpoint_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, status)
  ) WITHOUT ROWID;
  INSERT INTO job_status_counts (endpoint_id, status, n)
    SELECT endpoint_id, status, count(*) FROM jobs GROUP BY endpoint_id, status;
  CREATE TRIGGER jobs_count_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_status_counts (endpoint_id, status, n) VALUES (new.endpoint_id, new.status, 1)
      ON CONFLICT (endpoint_id, status) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER jobs_count_delete AFTER DELETE ON jobs BEGIN
    UPDATE job_status_counts SET n = n - 1 WHERE endpoint_id = old.endpoint_id AND status = old.status;
  END;
  CREATE TRIGGER jobs_count_update AFTER UPDATE OF status, endpoint_id ON jobs
    WHEN old.status IS NOT new.status OR old.endpoint_id IS NOT new.endpoint_id BEGIN
    UPDATE job_status_counts SET n = n - 1 WHERE endpoint_id = old.endpoint_id AND status = old.status;
    INSERT INTO job_status_counts (endpoint_id, status, n) VALUES (new.endpoint_id, new.status, 1)
      ON CONFLICT (endpoint_id, status) DO UPDATE SET n = n + 1;
  END;
  `,
  // 5: the lease and deadline indexes go. Each take, finish and lease extension (every ping) paid an
  // index write into each, for sweeps that only ever look at IN_PROGRESS rows, which are few (bounded by
  // workers × concurrency) and already all in the partial index `jobs_worker`. Plans afterwards (EXPLAIN QUERY
  // PLAN, checked in sqlite.test.ts):
  //   expiredLeases, overdue  SCAN jobs USING INDEX jobs_worker + TEMP B-TREE FOR ORDER BY (IN_PROGRESS rows only)
  //   byWorker                SEARCH jobs USING INDEX jobs_worker (worker_id=?)
  //   loads                   SEARCH jobs USING INDEX jobs_recent_status (endpoint_id=? AND status=?)
  //   take (queued)           SEARCH jobs USING INDEX jobs_take (endpoint_id=?), unchanged
  //   markTaken, finish, progress, extendLease: SEARCH by the primary key (id=?), unchanged; insert: no search.
  // Also: `queue_pos_owner`, the connection that last reserved a block of queue positions (sqlite-queue-pos.ts).
  `
  DROP INDEX jobs_lease;
  DROP INDEX jobs_deadline;
  INSERT OR IGNORE INTO meta (key, value) VALUES ('queue_pos_owner', 0);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to the newest schema; refuses a database written by a newer Gantry. */
export function migrate(db: Database.Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = db.prepare("SELECT version FROM schema_version").get() as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this Gantry understands (${MIGRATIONS.length})`,
    );
  }
  if (current === MIGRATIONS.length) return;
  db.transaction(() => {
    for (let v = current; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
    if (row) db.prepare("UPDATE schema_version SET version = ?").run(MIGRATIONS.length);
    else db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(MIGRATIONS.length);
  })();
}
