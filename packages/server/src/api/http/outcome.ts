/** Maps the engine's `Outcome` refusals onto API errors with the engine's own message. */
import type { Outcome } from "../../engine/platform.js";
import { ApiError } from "./errors.js";

/** Seconds a client should wait after the engine's queue back-pressure 429. */
const QUEUE_FULL_RETRY_AFTER_S = "1";

export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  const headers = outcome.code === 429 ? { "Retry-After": QUEUE_FULL_RETRY_AFTER_S } : undefined;
  throw new ApiError(outcome.code, outcome.error, headers);
}
