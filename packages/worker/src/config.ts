import type { Handler, WorkerConfig } from "./types.js";

/** `WorkerConfig` with the snake_case aliases resolved and defaults applied. */
export interface NormalizedConfig {
  handler: Handler;
  returnAggregateStream: boolean;
  refreshWorker: boolean;
  concurrencyModifier?: (n: number) => number;
}

function pickFlag(value: unknown, alias: unknown, name: string): boolean {
  const chosen = value ?? alias;
  if (chosen === undefined || chosen === null) return false;
  if (typeof chosen !== "boolean") {
    throw new TypeError(`start(): "${name}" must be a boolean, got ${typeof chosen}`);
  }
  return chosen;
}

/** Validates a user config; throws a TypeError that names the offending key. */
export function normalizeConfig(config: WorkerConfig): NormalizedConfig {
  if (config === null || typeof config !== "object") {
    throw new TypeError("start(): config must be an object such as { handler }");
  }
  if (typeof config.handler !== "function") {
    throw new TypeError(`start(): "handler" must be a function, got ${typeof config.handler}`);
  }
  const modifier = config.concurrencyModifier ?? config.concurrency_modifier;
  if (modifier !== undefined && modifier !== null && typeof modifier !== "function") {
    throw new TypeError(`start(): "concurrencyModifier" must be a function, got ${typeof modifier}`);
  }
  const normalized: NormalizedConfig = {
    handler: config.handler,
    returnAggregateStream: pickFlag(
      config.returnAggregateStream,
      config.return_aggregate_stream,
      "returnAggregateStream",
    ),
    refreshWorker: pickFlag(config.refreshWorker, config.refresh_worker, "refreshWorker"),
  };
  if (typeof modifier === "function") normalized.concurrencyModifier = modifier;
  return normalized;
}
