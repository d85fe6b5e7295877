/**
 * The `Idempotency-Key` header (Gantry extension, docs/api.md): 1 to 200 printable ASCII characters, space
 * excluded (0x21–0x7e). A space inside a key would not survive every HTTP stack unchanged, and surrounding
 * spaces are stripped from header values on the way, so the key the server stores could differ from the one
 * the client sent.
 */
import { accept, type Parsed, refuse } from "./parsed.js";

export const IDEMPOTENCY_KEY_MAX_LENGTH = 200;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * The API's 400. Ends in "without spaces": a space is printable ASCII too, and a key such as `a b` must be
 * told why it is refused.
 */
export const IDEMPOTENCY_KEY_INVALID =
  "Idempotency-Key is invalid; must be 1 to 200 printable ASCII characters without spaces";

/**
 * Checks a key as given, without trimming: a server reading the header trims it first, as HTTP does
 * (`parseIdempotencyKey(header.trim())`); a client must not send what would change on the way.
 */
export function parseIdempotencyKey(value: unknown): Parsed<string> {
  if (typeof value !== "string" || !IDEMPOTENCY_KEY.test(value)) return refuse(IDEMPOTENCY_KEY_INVALID);
  return accept(value);
}
