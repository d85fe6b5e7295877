/**
 * Every wire-value validator of the API in one module (ids, waits, counts, `/run` bodies, idempotency keys,
 * webhook URLs, policies, admin query flags), so the rules can move to a shared package in one place.
 */
import { z } from "zod";
import { formatIssues } from "../../config/issues.js";
import { JOB_STATUSES, type JobStatus } from "../../domain/job.js";
import type { SubmitRequest, WorkerDoneBody } from "../../engine/platform.js";
import { ApiError } from "./errors.js";
import { isPlainObject, parseJsonBody } from "./json.js";

export const WAIT_MIN_MS = 1000;
export const WAIT_MAX_MS = 300_000;
/** Exact text RunPod answers; clients and tests match on it. */
export const WAIT_INVALID = "wait is invalid; must be between 1000 and 300000";

const ID_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

/** Endpoint, worker and job ids are opaque `[A-Za-z0-9_-]+` strings. */
export function isValidId(value: string | undefined): boolean {
  return value !== undefined && ID_PATTERN.test(value);
}

/** `?wait=` of the long-polls: absent → the route's default; anything else must be an integer in range. */
export function parseWait(raw: string | undefined, defaultMs: number): number {
  if (raw === undefined) return defaultMs;
  const trimmed = raw.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) throw new ApiError(400, WAIT_INVALID);
  const value = Math.floor(Number(trimmed));
  if (!Number.isFinite(value) || value < WAIT_MIN_MS || value > WAIT_MAX_MS)
    throw new ApiError(400, WAIT_INVALID);
  return value;
}

/** A job count of the worker protocol: an integer 1…max, `absent` when not given; anything else refused. */
function parseJobCount(name: string, raw: string | undefined, max: number, absent: number): number {
  if (raw === undefined) return absent;
  const trimmed = raw.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ApiError(400, `${name} is invalid; must be an integer between 1 and ${max}`);
  }
  return value;
}

/** `?batch_size=` of job-take-batch; the worker's queue is bounded by it, so an invalid value is refused. */
export function parseBatchSize(raw: string | undefined, max: number): number {
  return parseJobCount("batch_size", raw, max, 1);
}

/** `?take=` of a result post (Gantry's extension): absent → 0, a plain job-done. */
export function parseTake(raw: string | undefined, max: number): number {
  return parseJobCount("take", raw, max, 0);
}

/** `?isStream=` of job-done: the Python SDK sends `true`/`false`; anything else counts as false. */
export function parseBool(raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  return v === "true" || v === "1" || v === "yes";
}

/** `Last-Event-ID` / `?lastEventId=` of the SSE stream: a non-negative integer, default 0 (from the start). */
export function parseLastEventId(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return 0;
  const trimmed = raw.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value))
    throw new ApiError(400, "Last-Event-ID is invalid; must be a non-negative integer");
  return value;
}

export const LIST_DEFAULT = 50;
export const LIST_MAX = 500;

/** `?limit=` of `/requests`: an integer 1–500, default 50. */
export function parseListLimit(raw: string | undefined): number {
  if (raw === undefined) return LIST_DEFAULT;
  const trimmed = raw.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > LIST_MAX) {
    throw new ApiError(400, `limit is invalid; must be an integer between 1 and ${LIST_MAX}`);
  }
  return value;
}

/** `?status=` of `/requests`: one job status (case-insensitive); absent → every status. */
export function parseStatusFilter(raw: string | undefined): JobStatus | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const wanted = raw.trim().toUpperCase();
  const status = JOB_STATUSES.find((s) => s === wanted);
  if (!status) throw new ApiError(400, `status is invalid; must be one of ${JOB_STATUSES.join(", ")}`);
  return status;
}

// ── `/run` and `/runsync` bodies ──────────────────────────────────────────────────────────────────────────────
// Only `input` is required; `webhook`, `policy` and `s3Config` are typed; every other top-level key is kept and
// handed to the worker unchanged (e.g. `webhookV2`, or the `timeout` RunPod's docs' own example puts there).

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

/** A query flag: `1`/`true`/`yes` (or bare `?name`) set it, `0`/`false`/`no` or absent do not; else 400. */
export function parseFlag(name: string, raw: string | undefined): boolean {
  if (raw === undefined) return false;
  const v = raw.trim().toLowerCase();
  if (v === "1" || v === "true" || v === "yes" || v === "") return true;
  if (v === "0" || v === "false" || v === "no") return false;
  throw new ApiError(400, `${name} is invalid; must be 1 or 0`);
}

// ── worker protocol bodies ────────────────────────────────────────────────────────────────────────────────────

/**
 * The fields of a job-done body the engine acts on, shared by job-done and each item of job-done-batch. `where`
 * prefixes each message (`""` for job-done, `"item 3: "` in a batch) so a refusal names its part.
 */
export function doneBodyOf(body: Record<string, unknown>, where = ""): WorkerDoneBody {
  const done: WorkerDoneBody = {};
  if (Object.hasOwn(body, "output")) done.output = body.output;
  if (Object.hasOwn(body, "error") && body.error !== undefined) done.error = body.error;
  if (body.stopPod === true) done.stopPod = true;
  if (body.status !== undefined) {
    if (typeof body.status !== "string") throw new ApiError(400, `${where}status: must be a string`);
    done.status = body.status;
  }
  return done;
}

/** One result of a job-done-batch body (Gantry extension). */
export interface BatchItem {
  id: string;
  isStream: boolean;
  done: WorkerDoneBody;
}

/**
 * Parses and checks the whole body before anything is applied: a malformed item refuses the request, so a
 * worker never has to work out which half of a batch went through. A progress post cannot be batched: it must
 * precede its job's result, which a batch (applied concurrently) would not guarantee.
 */
export function parseDoneBatch(text: string, maxItems: number): BatchItem[] {
  const body = parseJsonBody(text, { pythonTokens: true });
  if (!Array.isArray(body)) throw new ApiError(400, "json is invalid: body must be a JSON array of results");
  if (body.length === 0 || body.length > maxItems) {
    throw new ApiError(400, `batch must hold between 1 and ${maxItems} results; got ${body.length}`);
  }
  return body.map((raw, i): BatchItem => {
    const where = `item ${i}: `;
    if (!isPlainObject(raw)) throw new ApiError(400, `${where}must be a JSON object`);
    if (typeof raw.id !== "string" || raw.id === "") throw new ApiError(400, `${where}id: must be a job id`);
    if (raw.isStream !== undefined && typeof raw.isStream !== "boolean") {
      throw new ApiError(400, `${where}isStream: must be a boolean`);
    }
    const done = doneBodyOf(raw, where);
    if (done.status === "IN_PROGRESS") {
      throw new ApiError(
        400,
        `${where}progress updates (status IN_PROGRESS) cannot be batched; use job-done`,
      );
    }
    return { id: raw.id, isStream: raw.isStream === true, done };
  });
}

// ── admin bodies ──────────────────────────────────────────────────────────────────────────────────────────────

/**
 * The body of `PATCH /admin/v1/endpoints/{ep}/scaling`: a partial change of the scaling settings with the same
 * ranges as the config file; zod names each bad field.
 */
const int = () => z.number().int();

export const scalingPatchSchema = z.strictObject({
  workersMin: int().min(0).max(1000).optional(),
  workersMax: int().min(0).max(1000).optional(),
  idleTimeoutS: int().min(1).max(3600).optional(),
  scalerType: z.enum(["QUEUE_DELAY", "REQUEST_COUNT"]).optional(),
  scalerValue: int().min(1).max(1_000_000).optional(),
});

export type ScalingPatch = z.infer<typeof scalingPatchSchema>;

const KEYS = Object.keys(scalingPatchSchema.shape).join(", ");

/** Validates a parsed body; throws a 400 naming every bad field. */
export function parseScalingPatch(body: unknown): ScalingPatch {
  if (!isPlainObject(body)) throw new ApiError(400, "json is invalid: body must be a JSON object");
  const r = scalingPatchSchema.safeParse(body, { reportInput: true });
  if (!r.success) throw new ApiError(400, formatIssues(r.error.issues).join("; "));
  const patch = Object.fromEntries(Object.entries(r.data).filter(([, v]) => v !== undefined)) as ScalingPatch;
  if (Object.keys(patch).length === 0) throw new ApiError(400, `nothing to change: set one of ${KEYS}`);
  return patch;
}

/** `?force=1` or a body `{"force": true}`: SIGKILL at once instead of SIGTERM and a grace period. */
export function parseForce(query: string | undefined, body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new ApiError(400, "json is invalid: body must be a JSON object");
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => k !== "force");
  if (unknown.length > 0)
    throw new ApiError(400, `unknown field ${unknown.join(", ")}; only force is allowed`);
  if (b.force !== undefined && typeof b.force !== "boolean")
    throw new ApiError(400, "force: must be a boolean");
  return parseFlag("force", query) || b.force === true;
}
