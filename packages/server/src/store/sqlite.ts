/**
 * The SQLite adapter of `Store` (better-sqlite3): one connection, one file, every interface in full.
 *
 * Durability: WAL with `synchronous=NORMAL`. A crash of the Gantry process loses nothing committed;
 * on power loss or an OS crash the last few commits may roll back (the database stays consistent).
 * We accept that trade for a much cheaper commit on the hot take/done path.
 *
 * Writes of one event-loop turn share one commit (sqlite-group-commit.ts); no call resolves before its change is
 * committed. The parts: jobs (sqlite-jobs.ts, sqlite-job-changes.ts, sqlite-sweeps.ts), webhook deliveries
 * (sqlite-outbox.ts) and cluster state (sqlite-cluster.ts), all on the one connection and group commit.
 *
 * `":memory:"` is the same implementation over an in-memory database (tests and `gantry dev`).
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { ClusterStore } from "./cluster-store.js";
import type { JobStore } from "./job-store.js";
import { WalCheckpointer } from "./sqlite-checkpointer.js";
import { sqliteClusterStore } from "./sqlite-cluster.js";
import { GroupCommit } from "./sqlite-group-commit.js";
import { sqliteJobChanges } from "./sqlite-job-changes.js";
import { sqliteJobs } from "./sqlite-jobs.js";
import { sqliteWebhookOutbox } from "./sqlite-outbox.js";
import { QueuePositions } from "./sqlite-queue-pos.js";
import { migrate } from "./sqlite-schema.js";
import { prepareJobStatements, type SqliteJobsContext } from "./sqlite-statements.js";
import { sqliteSweeps } from "./sqlite-sweeps.js";
import type { Store } from "./store.js";
import type { WebhookOutbox } from "./webhook-outbox.js";

export { PLANNED_SQL } from "./sqlite-statements.js";

export interface SqliteStoreOptions {
  /** A file path (its directory is created) or `":memory:"`. */
  path: string;
}

export class SqliteStore implements Store {
  readonly jobs: JobStore;
  readonly webhooks: WebhookOutbox;
  /** Nothing runs two nodes on one SQLite file; it lets one suite and the multi-node paths run on every store. */
  readonly cluster: ClusterStore;
  private readonly db: Database.Database;
  private readonly commits: GroupCommit;
  /** Checkpoints the WAL on a worker thread, so no commit on the event loop pays for one. */
  private readonly checkpoints: WalCheckpointer;

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    migrate(this.db);
    this.checkpoints = new WalCheckpointer(this.db);
    this.commits = new GroupCommit(this.db, () => this.checkpoints.afterCommit());
    const c: SqliteJobsContext = {
      s: prepareJobStatements(this.db),
      positions: new QueuePositions(this.db),
      commits: this.commits,
    };
    // Writes run synchronously inside the group commit: `inlineWrites`.
    this.jobs = { inlineWrites: true, ...sqliteJobs(c), ...sqliteJobChanges(c), ...sqliteSweeps(c) };
    this.webhooks = sqliteWebhookOutbox(this.db, this.commits);
    // Its writes join the open batch, and resolve only once it committed, like every other write.
    this.cluster = sqliteClusterStore(this.db, (fn) => this.commits.write(fn));
  }

  close(): Promise<void> {
    if (this.db.open) {
      this.commits.dispose();
      this.db.close();
    }
    return this.checkpoints.close();
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  return new SqliteStore(options);
}
