/**
 * Token buckets per API key, endpoint and route group, with RunPod's documented limits as defaults
 * (docs/api.md, "Rate limits"). A bucket holds `limit` tokens and refills continuously over `windowMs`, so a burst of
 * `limit` calls passes and the sustained rate is limit/window.
 */

import {
  DEFAULT_RATE_LIMITS,
  RATE_LIMIT_GROUPS,
  type RateLimitGroup,
  type RateLimitRule,
  type RateLimits,
} from "../../domain/rate-limits.js";

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Buckets above this count trigger a sweep of the full (idle) ones, bounding memory under many keys. */
const SWEEP_THRESHOLD = 10_000;

export class RateLimiter {
  private readonly rules: Record<RateLimitGroup, RateLimitRule | null>;
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(limits: RateLimits | false = {}, now: () => number = Date.now) {
    this.now = now;
    const rules = {} as Record<RateLimitGroup, RateLimitRule | null>;
    for (const group of RATE_LIMIT_GROUPS) {
      rules[group] =
        limits === false ? null : limits[group] === undefined ? DEFAULT_RATE_LIMITS[group] : limits[group];
    }
    this.rules = rules;
  }

  /** Takes one token; returns 0 when allowed, else the ms until a token is available. */
  take(group: RateLimitGroup, key: string): number {
    const rule = this.rules[group];
    if (!rule) return 0;
    const now = this.now();
    const id = `${group}\u0000${key}`;
    const rate = rule.limit / rule.windowMs;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_THRESHOLD) this.sweep(now);
      bucket = { tokens: rule.limit, updatedAt: now };
      this.buckets.set(id, bucket);
    } else {
      bucket.tokens = Math.min(rule.limit, bucket.tokens + (now - bucket.updatedAt) * rate);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / rate);
  }

  private sweep(now: number): void {
    for (const [id, bucket] of this.buckets) {
      const group = id.slice(0, id.indexOf("\u0000")) as RateLimitGroup;
      const rule = this.rules[group];
      if (!rule || now - bucket.updatedAt >= rule.windowMs) this.buckets.delete(id);
    }
  }
}

/**
 * The one keying rule of the rate limits: a bucket per API key and endpoint (and group, in `take`). RunPod limits
 * each key on each endpoint separately, so one client's burst on one endpoint neither slows another key nor
 * the same key elsewhere; with auth disabled every caller shares the key "anonymous".
 */
export function rateLimitKey(apiKey: string, endpointId: string): string {
  return `${apiKey}\u0000${endpointId}`;
}
