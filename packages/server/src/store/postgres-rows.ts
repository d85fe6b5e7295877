/**
 * PostgreSQL's side of the row mapping (shared with SQLite in `job-row.ts`). A row reaches us two ways with the
 * same shape: as a typed result row (bigint parsed to number by the pool's type parser) or as `row_to_json`
 * text (outbox snapshots, drain), where bigint is a JSON number and boolean a JSON boolean.
 */

import { deliveryOf, type JobRow, type OutboxRow, toRecord } from "./job-row.js";
import type { WebhookDelivery } from "./webhook-outbox.js";

export { type JobRow, json, type OutboxRow, parse, toRecord } from "./job-row.js";

/** The outbox snapshot is the job's row as `row_to_json` wrote it. */
export const toDelivery = (r: OutboxRow): WebhookDelivery =>
  deliveryOf(r, toRecord(JSON.parse(r.snapshot) as JobRow));
