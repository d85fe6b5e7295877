/**
 * The API's checks of what clients and workers send. Every wire value a client or worker shares with the server
 * (ids, waits, counts, `/run` bodies, idempotency keys, webhook URLs, policies, job-done bodies, the event
 * stream's position, the admin API's scaling change) is checked by @gantry/protocol's validator, the one the SDKs
 * and the CLI use, and refused with its words (`accepted`). What stays here has no counterpart there: the admin
 * API's query flags and its stop body.
 */
import { isPlainObject, type Parsed, RUN_BODY_NOT_OBJECT } from "@gantry/protocol";
import { ApiError } from "./errors.js";

/** The value a protocol validator accepted; its refusal as a 400 with the validator's message. */
export function accepted<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new ApiError(400, parsed.error);
  return parsed.value;
}

/** A JSON body that must be an object (job-stream, the admin bodies); refused as a `/run` body would be. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (!isPlainObject(body)) throw new ApiError(400, RUN_BODY_NOT_OBJECT);
  return body;
}

// ── admin query flags ─────────────────────────────────────────────────────────────────────────────────────────

export const DEFAULT_TAIL = 100;
export const MAX_TAIL = 1000;

/** `?tail=` of a worker's logs: how many of the latest lines; absent → 100. */
export function parseTail(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TAIL;
  const t = raw.trim();
  const n = /^\d+$/.test(t) ? Number(t) : Number.NaN;
  if (!Number.isSafeInteger(n) || n > MAX_TAIL)
    throw new ApiError(400, `tail is invalid; must be an integer between 0 and ${MAX_TAIL}`);
  return n;
}

/**
 * An admin query flag: `1`/`true`/`yes` (or bare `?name`) set it, `0`/`false`/`no` or absent do not; else 400.
 * Stricter than the worker protocol's `isStream` (protocol `parseFlag`), which RunPod's workers send loosely.
 */
export function parseAdminFlag(name: string, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === "1" || v === "true" || v === "yes" || v === "") return true;
  if (v === "0" || v === "false" || v === "no") return false;
  throw new ApiError(400, `${name} is invalid; must be 1 or 0`);
}

// ── admin bodies ──────────────────────────────────────────────────────────────────────────────────────────────

/** `?force=1` or a body `{"force": true}`: SIGKILL at once instead of SIGTERM and a grace period. */
export function parseForce(query: string | undefined, body: unknown): boolean {
  const b = objectBody(body);
  const unknown = Object.keys(b).filter((k) => k !== "force");
  if (unknown.length > 0)
    throw new ApiError(400, `unknown field ${unknown.join(", ")}; only force is allowed`);
  if (b.force !== undefined && typeof b.force !== "boolean")
    throw new ApiError(400, "force: must be a boolean");
  return parseAdminFlag("force", query) || b.force === true;
}
