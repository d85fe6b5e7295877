/** Idempotency keys for submissions: random, and valid for Gantry (1–200 printable ASCII characters). */

export function newIdempotencyKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  // randomUUID exists in Node and in browsers' secure contexts; plain-http pages fall back to Math.random.
  if (typeof c?.randomUUID === "function") return c.randomUUID();
  let s = "";
  for (let i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

export function checkIdempotencyKey(key: unknown): string {
  if (typeof key !== "string" || !/^[\x21-\x7e][\x20-\x7e]{0,199}$/.test(key) || key.trim() !== key)
    throw new TypeError(
      "idempotencyKey must be 1 to 200 printable ASCII characters without surrounding spaces",
    );
  return key;
}
