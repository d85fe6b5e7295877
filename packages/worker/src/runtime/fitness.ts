import { readFileSync, statfsSync } from "node:fs";
import os from "node:os";
import type { WorkerEnv } from "../env.js";

/** A start-up check: it fails by throwing (or rejecting); its return value is ignored, as in Python. */
export type FitnessCheck = () => unknown;

const registered: FitnessCheck[] = [];

/**
 * Registers a check to run before a production worker takes its first job; usable as a decorator-like
 * wrapper since it returns `fn` unchanged.
 */
export function registerFitnessCheck<T extends FitnessCheck>(fn: T): T {
  if (typeof fn !== "function") {
    throw new TypeError(`registerFitnessCheck(fn): fn must be a function, got ${typeof fn}`);
  }
  registered.push(fn);
  return fn;
}

export function registeredFitnessChecks(): readonly FitnessCheck[] {
  return [...registered];
}

/** Test seam: forget every registered check. */
export function clearFitnessChecks(): void {
  registered.length = 0;
}

function availableMemoryBytes(): number {
  try {
    const match = /^MemAvailable:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    if (match?.[1]) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: fall through to the portable (more pessimistic) figure.
  }
  return os.freemem();
}

/** Built-in system checks (no network check: a self-hosted platform often has no internet egress). */
export function systemFitnessChecks(env: WorkerEnv): FitnessCheck[] {
  if (env.skipAutoSystemChecks) return [];
  const memoryCheck = (): void => {
    const gb = availableMemoryBytes() / 1024 ** 3;
    if (gb < env.minMemoryGb) {
      throw new Error(`Insufficient memory: ${gb.toFixed(2)} GB available, ${env.minMemoryGb} GB required`);
    }
  };
  const diskCheck = (): void => {
    const stats = statfsSync("/");
    const percent = stats.blocks > 0 ? (stats.bavail / stats.blocks) * 100 : 100;
    if (percent < env.minDiskPercent) {
      throw new Error(
        `Insufficient disk space: ${percent.toFixed(1)}% free, ${env.minDiskPercent}% required`,
      );
    }
  };
  return [memoryCheck, diskCheck];
}

export type FitnessResult = { ok: true } | { ok: false; check: string; reason: string };

export const MAX_REASON_LENGTH = 256;

/** `"Type: message"` of a failed check, cut to the length the unhealthy report allows. */
export function failureReason(thrown: unknown): string {
  const type = thrown instanceof Error ? thrown.name || "Error" : typeof thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return `${type}: ${message}`.slice(0, MAX_REASON_LENGTH);
}

/** Runs checks one by one in order; the first failure stops the run. */
export async function runFitnessChecks(checks: readonly FitnessCheck[]): Promise<FitnessResult> {
  for (const check of checks) {
    try {
      await check();
    } catch (thrown) {
      return { ok: false, check: check.name || "anonymous", reason: failureReason(thrown) };
    }
  }
  return { ok: true };
}
