/**
 * The body of `/run` and `/runsync` (docs/api.md): only `input` is required; `webhook`, `policy` and `s3Config`
 * are checked; every other top-level key is kept and handed to the worker unchanged (e.g. `webhookV2`).
 *
 * Every type error is reported in one message (`webhook: must be a string; policy: must be an object`), then a
 * policy range error, so a request can be fixed from one answer.
 */
import { accept, isPlainObject, type Parsed, refuse } from "./parsed.js";
import { type ExecutionPolicy, POLICY_NOT_OBJECT, parsePolicy, policyTypeIssues } from "./policy.js";
import { parseWebhookUrl } from "./webhook.js";

export interface S3Config {
  accessId: string;
  accessSecret: string;
  bucketName: string;
  endpointUrl: string;
  objectPath?: string;
}

/** What a client sends. */
export interface RunRequestBody<TInput = unknown> {
  input: TInput;
  /** URL that receives the final status object when the job ends. */
  webhook?: string;
  policy?: ExecutionPolicy;
  s3Config?: S3Config;
  /** Any other field reaches the worker unchanged. */
  [key: string]: unknown;
}

/** What a server takes from it: the known fields checked, the others gathered in `extra`. */
export interface RunRequest {
  input: unknown;
  webhook?: string;
  policy?: ExecutionPolicy;
  s3Config?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

export const RUN_BODY_NOT_OBJECT = "json is invalid: body must be a JSON object";
export const INPUT_REQUIRED = "input: is required";

const KNOWN_KEYS = new Set(["input", "webhook", "policy", "s3Config"]);

export function parseRunRequest(body: unknown): Parsed<RunRequest> {
  if (!isPlainObject(body)) return refuse(RUN_BODY_NOT_OBJECT);
  if (!Object.hasOwn(body, "input") || body.input === undefined) return refuse(INPUT_REQUIRED);
  const req: RunRequest = { input: body.input };
  // The usual body is `input` alone: nothing to check, no extras to keep.
  if (Object.keys(body).length === 1) return accept(req);

  const issues: string[] = [];
  if (body.webhook !== undefined) {
    const webhook = parseWebhookUrl(body.webhook);
    if (webhook.ok) req.webhook = webhook.value;
    else issues.push(webhook.error);
  }
  if (body.policy !== undefined) {
    if (!isPlainObject(body.policy)) issues.push(POLICY_NOT_OBJECT);
    else issues.push(...policyTypeIssues(body.policy));
  }
  if (body.s3Config !== undefined) {
    if (isPlainObject(body.s3Config)) req.s3Config = body.s3Config;
    else issues.push("s3Config: must be an object");
  }
  if (issues.length > 0) return refuse(issues.join("; "));
  if (body.policy !== undefined) {
    const policy = parsePolicy(body.policy);
    if (!policy.ok) return policy;
    req.policy = policy.value;
  }

  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (!KNOWN_KEYS.has(key)) extra[key] = value;
  if (Object.keys(extra).length > 0) req.extra = extra;
  return accept(req);
}
