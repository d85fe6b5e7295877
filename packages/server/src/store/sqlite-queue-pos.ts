/**
 * Queue positions (`jobs.queue_pos`, the FIFO order) for the SQLite store, handed out from blocks reserved in the
 * `meta` counter row instead of one counter update per job: `UPDATE meta … RETURNING` cost 20–35 µs per insert,
 * the single most expensive statement of `/run` after the insert itself; a read of the row costs ~1.5 µs.
 *
 * The rule that keeps FIFO: every position handed out is greater than every position handed out before, by this
 * connection or any other on the same file (tools, several stores in one process, nodes of a cluster). Each call
 * runs inside the caller's write transaction and first checks that the counter still ends this connection's block
 * and names this connection as the last to reserve (`queue_pos_owner`, schema migration 5). If so, nobody has
 * reserved since, so every other position is below the block. If not (another connection reserved, or the
 * reservation was rolled back with the savepoint or batch that made it), the block is dropped and a new one
 * reserved. The owner token is what makes the check safe after a rollback: the counter alone could come back to
 * the same value through another connection's reservation. Positions of dropped blocks are never used: gaps
 * only, which FIFO does not mind. After a restart the first call reserves past everything stored.
 */
import { randomInt } from "node:crypto";
import type Database from "better-sqlite3";

/** Positions per reservation; any size keeps the rule, a larger one only spaces the reservations out. */
const BLOCK = 256;

export class QueuePositions {
  private readonly stillOurs: Database.Statement<[number, number], number>;
  private readonly claim: Database.Statement<[number]>;
  private readonly reserve: Database.Statement<[number], number>;
  /** This connection's token; 0 is the value before anyone reserved. */
  private readonly owner = randomInt(1, 2 ** 47);
  /** The last position handed out, and the last one of this connection's block (`meta` holds it while valid). */
  private last = 0;
  private end = 0;

  constructor(db: Database.Database) {
    this.stillOurs = db
      .prepare<[number, number], number>(
        `SELECT (SELECT value FROM meta WHERE key = 'queue_pos') = ?
           AND (SELECT value FROM meta WHERE key = 'queue_pos_owner') = ?`,
      )
      .pluck();
    this.claim = db.prepare<[number]>("UPDATE meta SET value = ? WHERE key = 'queue_pos_owner'");
    this.reserve = db
      .prepare<[number], number>("UPDATE meta SET value = value + ? WHERE key = 'queue_pos' RETURNING value")
      .pluck();
  }

  /** The next position; call inside a write transaction only. */
  next(): number {
    if (this.end !== 0 && this.stillOurs.get(this.end, this.owner) !== 1) this.last = this.end = 0;
    if (this.last >= this.end) {
      this.claim.run(this.owner);
      this.end = this.reserve.get(BLOCK) as number;
      this.last = this.end - BLOCK;
    }
    this.last += 1;
    return this.last;
  }
}
