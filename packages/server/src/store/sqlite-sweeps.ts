/**
 * The SQLite `JobStore`'s sweeps. Each looks before it opens a write batch: on an idle server nothing is due, and
 * a commit every sweep (twice a second) would also wake the checkpointer thread for nothing.
 */
import { toRecord } from "./job-row.js";
import type { JobStore } from "./job-store.js";
import type { SqliteJobsContext } from "./sqlite-statements.js";
import { OUTBOX_KEEP_MS } from "./webhook-outbox.js";

type Part = Pick<JobStore, "expiredLeases" | "executionTimeouts" | "expireTtl" | "expireRetention">;

export function sqliteSweeps(c: SqliteJobsContext): Part {
  const { s, commits } = c;
  return {
    expiredLeases: (now, limit) => commits.read(() => s.expiredLeases(limit).all(now).map(toRecord)),

    executionTimeouts: (now, limit) => commits.read(() => s.overdue(limit).all(now).map(toRecord)),

    expireTtl: (now, limit) => {
      if (s.pastTtl(1).all(now).length === 0) return commits.read(() => []);
      return commits.write(() =>
        s
          .pastTtl(limit)
          .all(now)
          .map((row) => {
            s.deleteChunks.run(row.id);
            s.deleteJob.run(row.id);
            return toRecord(row);
          }),
      );
    },

    expireRetention: (now, limit) => {
      const outboxCutoff = now - OUTBOX_KEEP_MS;
      if (s.pastRetention(1).all(now).length === 0 && s.outboxPrunable.get(outboxCutoff) === undefined) {
        return commits.read(() => []);
      }
      return commits.write(() => {
        const ids = s
          .pastRetention(limit)
          .all(now)
          .map((r) => r.id);
        for (const id of ids) {
          s.deleteChunks.run(id);
          s.deleteJob.run(id);
        }
        s.pruneOutbox.run(outboxCutoff);
        return ids;
      });
    },
  };
}
