/**
 * The public API's rate-limit groups and RunPod's documented limits as defaults (docs/api.md §1.4): a setting of
 * the platform, read by the config file's schema and applied by the HTTP layer's token buckets.
 */

export const RATE_LIMIT_GROUPS = [
  "run",
  "runsync",
  "status",
  "cancel",
  "retry",
  "purge-queue",
  "health",
  "requests",
] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

export interface RateLimitRule {
  limit: number;
  windowMs: number;
}

/** `null` turns a group's limit off. */
export type RateLimits = Partial<Record<RateLimitGroup, RateLimitRule | null>>;

export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitGroup, RateLimitRule>> = {
  run: { limit: 1000, windowMs: 10_000 },
  runsync: { limit: 2000, windowMs: 10_000 },
  // Shared by /status, /status-sync and /stream, as on RunPod.
  status: { limit: 2000, windowMs: 10_000 },
  cancel: { limit: 100, windowMs: 10_000 },
  // Not stated by RunPod; as strict as /cancel, its closest sibling.
  retry: { limit: 100, windowMs: 10_000 },
  "purge-queue": { limit: 2, windowMs: 10_000 },
  // Not stated by RunPod; dashboards poll it, so as generous as /status.
  health: { limit: 2000, windowMs: 10_000 },
  requests: { limit: 10, windowMs: 10_000 },
};
