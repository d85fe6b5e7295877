/** The PostgreSQL adapter's `WebhookOutbox`: each call is one statement; a claim is the conditional UPDATE. */
import { clampLimit, type PgQuery } from "./postgres-query.js";
import { type OutboxRow, toDelivery } from "./postgres-rows.js";
import type { WebhookOutbox } from "./webhook-outbox.js";

export function postgresWebhookOutbox(db: PgQuery): WebhookOutbox {
  return {
    async due(now, limit) {
      return (await db.rows<OutboxRow>("dueWebhooks", [now, clampLimit(limit, 100_000)])).map(toDelivery);
    },
    async claim(id, now, retryAt) {
      const [row] = await db.rows<OutboxRow>("claimWebhook", [id, retryAt, now]);
      return row ? toDelivery(row) : undefined;
    },
    async delivered(id, now) {
      await db.q("webhookDelivered", [id, now]);
    },
    async failed({ id, now, error, retryAt }) {
      if (retryAt === undefined) await db.q("webhookGaveUp", [id, error, now]);
      else await db.q("webhookRetryAt", [id, error, retryAt]);
    },
    async get(id) {
      const [row] = await db.rows<OutboxRow>("getWebhook", [id]);
      return row ? toDelivery(row) : undefined;
    },
  };
}
