/**
 * The body of `/run` and `/runsync` (endpoint-api.md §2.1): only `input` is required; `webhook`, `policy` and
 * `s3Config` are typed; every other top-level key is kept and handed to the worker unchanged (e.g. `webhookV2`,
 * or the `timeout` the docs' own example puts there).
 */
import { z } from "zod";
import { formatIssues } from "../config/issues.js";
import type { SubmitRequest } from "../engine/platform.js";
import { ApiError } from "./errors.js";
import { isPlainObject } from "./json.js";

const KNOWN_KEYS = new Set(["input", "webhook", "policy", "s3Config"]);

const webhookSchema = z.string().refine(isHttpUrl, { message: "must be an http(s) URL" });

/** Ranges (5 s–7 d, 10 s–7 d) are the engine's decision; the API only checks the types. */
const policySchema = z.object({
  executionTimeout: z.number().finite().nonnegative().optional(),
  ttl: z.number().finite().nonnegative().optional(),
  lowPriority: z.boolean().optional(),
});

const runBodySchema = z.object({
  webhook: webhookSchema.optional(),
  policy: policySchema.optional(),
  s3Config: z.record(z.string(), z.unknown()).optional(),
});

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export type RunRequest = Omit<SubmitRequest, "endpointId" | "sync" | "idempotencyKey">;

/** Validates a parsed `/run` body; throws a 400 naming every bad field. */
export function parseRunRequest(body: unknown): RunRequest {
  if (!isPlainObject(body)) throw new ApiError(400, "json is invalid: body must be a JSON object");
  if (!Object.hasOwn(body, "input") || body.input === undefined)
    throw new ApiError(400, "input: is required");
  // The usual body is `input` alone: nothing for the schema to check, and no extras to keep.
  if (Object.keys(body).length === 1) return { input: body.input };
  const result = runBodySchema.safeParse(body, { reportInput: true });
  if (!result.success) throw new ApiError(400, formatIssues(result.error.issues).join("; "));
  const req: RunRequest = { input: body.input };
  const { webhook, policy, s3Config } = result.data;
  if (webhook !== undefined) req.webhook = webhook;
  if (policy !== undefined) req.policy = stripUndefined(policy);
  if (s3Config !== undefined) req.s3Config = s3Config;
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!KNOWN_KEYS.has(key)) extra[key] = value;
  if (Object.keys(extra).length > 0) req.extra = extra;
  return req;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** `Idempotency-Key` (Gantry extension): printable ASCII, at most 200 characters. */
export function parseIdempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const key = raw.trim();
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ApiError(400, "Idempotency-Key is invalid; must be 1 to 200 printable ASCII characters");
  }
  return key;
}
