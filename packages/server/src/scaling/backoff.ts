/**
 * Crash-loop back-off: how long an endpoint waits before starting another worker after consecutive crashes.
 * Pure, so the scaler and the supervisor agree on one rule and tests can pin it.
 */

export interface CrashState {
  /** Workers that crashed in a row without ever taking a job (reset by the first successful take). */
  consecutive: number;
  /** When the latest of them exited (ms since the epoch). */
  lastCrashAt?: number;
}

export interface BackoffPolicy {
  /** Delay after the second crash in a row; doubles with every further crash. */
  baseMs: number;
  maxMs: number;
  /** Consecutive crashes from which the endpoint counts as crash-looping (reported unhealthy). */
  loopThreshold: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 60_000, loopThreshold: 3 };

/**
 * Delay before the next start. A single crash is replaced at once (a worker killed by accident should not
 * wait); from the second crash in a row the delay grows base, 2·base, 4·base … up to max.
 */
export function crashDelayMs(consecutive: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (consecutive <= 1) return 0;
  const exp = Math.min(consecutive - 2, 30);
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exp);
}

/** Earliest time a worker may be started again, or undefined when there is no back-off in force. */
export function nextStartAt(crash: CrashState, policy: BackoffPolicy = DEFAULT_BACKOFF): number | undefined {
  if (crash.lastCrashAt === undefined) return undefined;
  const delay = crashDelayMs(crash.consecutive, policy);
  return delay === 0 ? undefined : crash.lastCrashAt + delay;
}

export function isCrashLooping(crash: CrashState, policy: BackoffPolicy = DEFAULT_BACKOFF): boolean {
  return crash.consecutive >= policy.loopThreshold;
}
