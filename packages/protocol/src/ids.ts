/**
 * Endpoint, job and worker ids (docs/api.md): opaque strings of letters, digits, `_` and `-`, at most 200
 * characters. The API answers 404 for a job or endpoint id of another shape (RunPod's "not found") and 400 for a
 * worker id; the message here is the 400's.
 */
import { accept, type Parsed, refuse } from "./parsed.js";

export const ID_MAX_LENGTH = 200;
const ID_CHARS = /^[A-Za-z0-9_-]+$/;

export type IdKind = "endpoint" | "job" | "worker";

export function isValidId(value: unknown): value is string {
  return typeof value === "string" && value.length <= ID_MAX_LENGTH && ID_CHARS.test(value);
}

export function parseId(kind: IdKind, value: unknown): Parsed<string> {
  if (typeof value !== "string") return refuse(`${kind} id must be a string`);
  if (!ID_CHARS.test(value))
    return refuse(`${kind} id "${value.slice(0, 100)}" is invalid; must match [A-Za-z0-9_-]+`);
  if (value.length > ID_MAX_LENGTH)
    return refuse(
      `${kind} id "${value.slice(0, 100)}…" is invalid; must be at most ${ID_MAX_LENGTH} characters`,
    );
  return accept(value);
}
