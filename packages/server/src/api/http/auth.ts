/**
 * API keys for the public routes, the worker secret for the worker protocol. Both accept `Bearer <key>` and the
 * bare key: RunPod's docs send either, and Python workers send the raw key (docs/api.md, "Authentication").
 */
import { createHash, timingSafeEqual } from "node:crypto";

export interface AuthOptions {
  apiKeys: readonly string[];
  workerSecret: string;
  /** Only allowed on a loopback bind (enforced by the config loader). */
  disabled?: boolean;
}

export function extractKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const trimmed = header.trim();
  const key = /^bearer\s+/i.test(trimmed) ? trimmed.replace(/^bearer\s+/i, "") : trimmed;
  return key === "" ? undefined : key;
}

const digest = (value: string): Buffer => createHash("sha256").update(value).digest();

/**
 * Compares digests so the time taken says nothing about how much of a key matched. A key that verified once is
 * remembered (hashing it again cost ≈ 2 % of the server's CPU per request): only exact configured keys can get
 * in, so the memo is bounded by the key list, and a wrong key is always hashed and compared in full.
 */
export function createKeyMatcher(keys: readonly string[]): (candidate: string | undefined) => boolean {
  const digests = keys.filter((k) => k !== "").map(digest);
  const verified = new Set<string>();
  return (candidate) => {
    if (candidate === undefined) return false;
    if (verified.has(candidate)) return true;
    const d = digest(candidate);
    let found = false;
    for (const k of digests) if (timingSafeEqual(k, d)) found = true;
    if (found) verified.add(candidate);
    return found;
  };
}

/**
 * The API key an `Authorization` header carries, when it is a valid one ("anonymous" with auth disabled), else
 * undefined.
 */
export function createApiKeyCheck(auth: AuthOptions): (header: string | undefined) => string | undefined {
  const matches = createKeyMatcher(auth.apiKeys);
  return (header) => {
    if (auth.disabled) return "anonymous";
    const key = extractKey(header);
    return matches(key) ? key : undefined;
  };
}

/** Whether an `Authorization` header carries the worker secret (always, with auth disabled). */
export function createWorkerSecretCheck(auth: AuthOptions): (header: string | undefined) => boolean {
  const matches = createKeyMatcher([auth.workerSecret]);
  return (header) => auth.disabled === true || matches(extractKey(header));
}
