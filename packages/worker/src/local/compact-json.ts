import { inspect } from "node:util";

/** One-line JSON for log lines; values JSON cannot express (undefined, cycles, BigInt) fall back to `inspect`. */
export function compactJson(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // fall through to inspect
  }
  return inspect(value, { depth: 6, breakLength: Number.POSITIVE_INFINITY });
}
