/**
 * `/run` and `/runsync` in the engine: the endpoint's policy and queue cap, idempotency, and the wake-up of a
 * parked taker. The request arrives validated (types, URL, key shape, wait) from the HTTP edge.
 */
import { queueCap } from "../domain/endpoint.js";
import type { JobView } from "../domain/job.js";
import { resolvePolicy } from "../domain/policy.js";
import type { NewJob } from "../store/job-store.js";
import { type EngineCore, viewOf } from "./core.js";
import { newJobId } from "./ids.js";
import { queueKey } from "./keys.js";
import { fail, ok } from "./outcome.js";
import type { Outcome, SubmitRequest } from "./platform.js";

/** `/runsync` results stay at least the endpoint's sync retention; a `?wait` may stretch that up to 5 min. */
const MAX_SYNC_RETENTION_HINT_MS = 300_000;
function syncRetention(endpointMs: number, hintMs: number | undefined): number {
  if (hintMs === undefined) return endpointMs;
  return Math.max(endpointMs, Math.min(hintMs, MAX_SYNC_RETENTION_HINT_MS));
}

export async function submit(core: EngineCore, req: SubmitRequest): Promise<Outcome<JobView>> {
  const endpoint = core.endpoints.get(req.endpointId);
  if (!endpoint) return fail(404, `endpoint ${req.endpointId} not found`);
  const policy = resolvePolicy(req.policy, endpoint);
  if (!policy.ok) return fail(400, policy.error);
  // A client repeating a request it already made gets that job back, even when the queue is full now.
  if (req.idempotencyKey !== undefined) {
    const existing = await core.jobs.findByIdempotencyKey(endpoint.id, req.idempotencyKey);
    if (existing) return ok(viewOf(core, existing));
  }
  const cap = queueCap(endpoint);
  const queued = await core.jobs.queuedCount(endpoint.id, cap);
  if (queued >= cap) return fail(429, `queue of endpoint ${endpoint.id} is full (${queued} jobs waiting)`);

  const sync = req.sync;
  const job: NewJob = {
    id: newJobId(core.nodeId, sync),
    endpointId: endpoint.id,
    sync,
    input: req.input ?? null,
    policy: policy.policy,
    createdAt: core.clock(),
    retentionMs: sync
      ? syncRetention(endpoint.retention.syncMs, req.retentionMs)
      : endpoint.retention.asyncMs,
  };
  if (req.webhook !== undefined) job.webhook = req.webhook;
  if (req.s3Config !== undefined) job.s3Config = req.s3Config;
  if (req.extra !== undefined && Object.keys(req.extra).length > 0) job.extra = req.extra;
  if (req.idempotencyKey !== undefined) job.idempotencyKey = req.idempotencyKey;

  const key = queueKey(endpoint.id);
  const inserted = core.jobs.insert(job);
  // The new row is visible already on an inline store: a taker woken now takes it in the same commit instead
  // of the next one (one commit and one event-loop turn less per job). Other nodes only hear of it after the
  // commit; on other stores the wake-up waits for the commit, or a taker could look too early and miss it.
  const early = core.jobs.inlineWrites;
  if (early) core.waiters.deliver(key, 1);
  const { job: stored, created } = await inserted;
  if (created) {
    if (early) core.waiters.relay?.(key, 1);
    else core.waiters.notifyOne(key);
  }
  return ok(viewOf(core, stored));
}
