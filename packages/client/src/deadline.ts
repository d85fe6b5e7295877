/** An overall time limit expressed as an abort signal whose reason is a `GantryTimeoutError`. */
import { GantryTimeoutError } from "./errors.js";
import { linkedController } from "./sleep.js";
import type { JobStatus } from "./types.js";

export interface Deadline {
  signal: AbortSignal;
  /** Epoch ms, or undefined when unlimited. */
  at: number | undefined;
  dispose(): void;
}

export function startDeadline(
  timeoutMs: number | undefined,
  parent: AbortSignal | undefined,
  describe: () => { message: string; jobId?: string; lastStatus?: JobStatus },
): Deadline {
  if (timeoutMs !== undefined && (typeof timeoutMs !== "number" || !(timeoutMs >= 0)))
    throw new TypeError(`timeout must be a non-negative number of ms, got ${JSON.stringify(timeoutMs)}`);
  const { controller, dispose } = linkedController(parent);
  if (timeoutMs === undefined || !Number.isFinite(timeoutMs))
    return { signal: controller.signal, at: undefined, dispose };
  const timer = setTimeout(() => {
    const d = describe();
    controller.abort(new GantryTimeoutError(d.message, { timeoutMs, ...d }));
  }, timeoutMs);
  return {
    signal: controller.signal,
    at: Date.now() + timeoutMs,
    dispose() {
      clearTimeout(timer);
      dispose();
    },
  };
}
