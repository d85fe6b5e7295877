/** The SQLite adapter's `WebhookOutbox`; its writes join the store's group commit like every other write. */
import type Database from "better-sqlite3";
import type { JobRecord } from "../domain/job.js";
import { deliveryOf, type OutboxRow } from "./job-row.js";
import type { GroupCommit } from "./sqlite-group-commit.js";
import { byLimit } from "./sqlite-limit.js";
import type { WebhookDelivery, WebhookOutbox } from "./webhook-outbox.js";

/** The outbox snapshot is the `JobRecord` as it was when the job became terminal. */
const toDelivery = (r: OutboxRow): WebhookDelivery => deliveryOf(r, JSON.parse(r.snapshot) as JobRecord);

export function sqliteWebhookOutbox(db: Database.Database, commits: GroupCommit): WebhookOutbox {
  const s = {
    due: byLimit(
      "SELECT * FROM webhook_outbox WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?",
      (sql) => db.prepare<[number], OutboxRow>(sql),
    ),
    claim: db.prepare<[number, number, number], OutboxRow>(
      `UPDATE webhook_outbox SET attempts = attempts + 1, next_at = ?
       WHERE id = ? AND state = 'pending' AND next_at <= ? RETURNING *`,
    ),
    delivered: db.prepare<[number, number]>(
      "UPDATE webhook_outbox SET state = 'delivered', finished_at = ? WHERE id = ? AND state = 'pending'",
    ),
    retryAt: db.prepare<[string, number, number]>(
      "UPDATE webhook_outbox SET last_error = ?, next_at = ? WHERE id = ? AND state = 'pending'",
    ),
    gaveUp: db.prepare<[string, number, number]>(
      `UPDATE webhook_outbox SET state = 'failed', last_error = ?, finished_at = ?
       WHERE id = ? AND state = 'pending'`,
    ),
    get: db.prepare<[number], OutboxRow>("SELECT * FROM webhook_outbox WHERE id = ?"),
  };
  return {
    due: (now, limit) => commits.read(() => s.due(limit).all(now).map(toDelivery)),
    claim: (id, now, retryAt) =>
      commits.write(() => {
        const row = s.claim.get(retryAt, id, now);
        return row ? toDelivery(row) : undefined;
      }),
    delivered: (id, now) =>
      commits.write(() => {
        s.delivered.run(now, id);
      }),
    failed: ({ id, now, error, retryAt }) =>
      commits.write(() => {
        if (retryAt === undefined) s.gaveUp.run(error, now, id);
        else s.retryAt.run(error, retryAt, id);
      }),
    get: (id) =>
      commits.read(() => {
        const row = s.get.get(id);
        return row ? toDelivery(row) : undefined;
      }),
  };
}
