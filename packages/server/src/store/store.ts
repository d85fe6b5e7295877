/**
 * The durable store as the rest of Gantry sees it: one database behind three narrow interfaces.
 * - `JobStore` (job-store.ts): jobs, stream chunks, sweeps — what the engine runs on;
 * - `WebhookOutbox` (webhook-outbox.ts): webhook deliveries, enqueued by the jobs' terminal writes;
 * - `ClusterStore` (cluster-store.ts): state shared by several nodes; the engine uses it only in cluster mode.
 * Every adapter (SQLite, PostgreSQL) implements all three in full: no member is optional.
 */
import type { ClusterStore } from "./cluster-store.js";
import type { JobStore } from "./job-store.js";
import type { WebhookOutbox } from "./webhook-outbox.js";

export type { ClusterStore, LeaseClaim, WorkerRow } from "./cluster-store.js";
export {
  type Change,
  type ChangeRefusal,
  type ChunkAppend,
  type DrainResult,
  type FeedState,
  type FinishWrite,
  type JobCounts,
  type JobStore,
  type LeaseLoss,
  LIST_RECENT_MAX,
  type ListRecentOptions,
  type NewJob,
  type OutputWrite,
  type QueueStats,
  type Refusal,
  type TakeRequest,
  type WorkerWrite,
} from "./job-store.js";
export type { WebhookDelivery, WebhookFailure, WebhookOutbox } from "./webhook-outbox.js";

export interface Store {
  readonly jobs: JobStore;
  readonly webhooks: WebhookOutbox;
  readonly cluster: ClusterStore;
  /** Ends the connections; the store is unusable afterwards. */
  close(): Promise<void>;
}
