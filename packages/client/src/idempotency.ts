/** Idempotency keys for submissions: random, and valid for Gantry (1–200 printable ASCII characters, no spaces). */
import { parseIdempotencyKey } from "@gantry/protocol";
import { valid } from "./arguments.js";

export function newIdempotencyKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  // randomUUID exists in Node and in browsers' secure contexts; plain-http pages fall back to Math.random.
  if (typeof c?.randomUUID === "function") return c.randomUUID();
  let s = "";
  for (let i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/** A caller's key, checked by the server's rule: a key the server would refuse is never sent. */
export function checkIdempotencyKey(key: unknown): string {
  return valid(parseIdempotencyKey(key), "idempotencyKey", key);
}
