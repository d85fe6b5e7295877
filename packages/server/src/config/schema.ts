/**
 * The config file's schema. Objects are strict, so a misspelt key is reported instead of silently ignored;
 * endpoint ranges mirror `resolveEndpoint` (domain/endpoint.ts), which runs after it as the final word.
 */
import { SCALER_TYPES, SCALING_RANGES } from "@gantry/protocol";
import { z } from "zod";
import { ENDPOINT_ID_PATTERN, EXECUTION_TIMEOUT_RANGE, TTL_RANGE } from "../domain/endpoint.js";
import { RATE_LIMIT_GROUPS } from "../domain/rate-limits.js";

const DAY = 86_400_000;
const int = () => z.number().int();
const ranged = ([min, max]: readonly [number, number]) => int().min(min).max(max);
const bytes = () => int().min(1);

const rateLimitRule = z.strictObject({ limit: int().min(1), windowMs: int().min(1) });

export const rateLimitsSchema = z.union([
  z.literal(false),
  z.strictObject(Object.fromEntries(RATE_LIMIT_GROUPS.map((g) => [g, rateLimitRule.nullable().optional()]))),
]);

export const endpointSchema = z.strictObject({
  id: z.string().regex(ENDPOINT_ID_PATTERN, { message: "must match [A-Za-z0-9_-]+" }),
  executionTimeoutMs: int().min(EXECUTION_TIMEOUT_RANGE.min).max(EXECUTION_TIMEOUT_RANGE.max).optional(),
  ttlMs: int().min(TTL_RANGE.min).max(TTL_RANGE.max).optional(),
  retention: z
    .strictObject({
      asyncMs: int()
        .min(0)
        .max(7 * DAY)
        .optional(),
      syncMs: int()
        .min(0)
        .max(7 * DAY)
        .optional(),
    })
    .optional(),
  maxRetries: int().min(0).max(100).optional(),
  limits: z
    .strictObject({
      runBytes: bytes().optional(),
      runsyncBytes: bytes().optional(),
      resultBytes: bytes().optional(),
      chunkBytes: bytes().optional(),
      maxQueue: int().min(1).optional(),
    })
    .optional(),
  scaling: z
    .strictObject({
      workersMin: ranged(SCALING_RANGES.workersMin).optional(),
      workersMax: ranged(SCALING_RANGES.workersMax).optional(),
      idleTimeoutS: ranged(SCALING_RANGES.idleTimeoutS).optional(),
      scalerType: z.enum(SCALER_TYPES).optional(),
      scalerValue: ranged(SCALING_RANGES.scalerValue).optional(),
    })
    .optional(),
  worker: z
    .strictObject({
      command: z.array(z.string().min(1)).min(1),
      cwd: z.string().optional(),
      env: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
});

export const configFileSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: int().min(0).max(65535).optional(),
  dataDir: z.string().min(1).optional(),
  store: z.enum(["sqlite", "memory", "postgres"]).optional(),
  // Password included, so the URL is scrubbed from logs like any secret.
  databaseUrl: z
    .string()
    .refine((v) => /^postgres(ql)?:\/\/./.test(v) && URL.canParse(v), {
      message: "must be a postgres:// or postgresql:// URL",
    })
    .optional(),
  postgres: z
    .strictObject({
      schema: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, { message: "must be letters, digits and _ (max 63)" })
        .optional(),
      poolSize: int().min(1).max(1000).optional(),
      /** false: refuse to start on an out-of-date schema instead of migrating (run `gantry migrate`). */
      migrate: z.boolean().optional(),
      /** false: no named prepared statements (PgBouncer in transaction mode before 1.21). */
      prepare: z.boolean().optional(),
    })
    .optional(),
  publicUrl: z
    .string()
    .refine((v) => /^https?:\/\/[^/]+/.test(v) && URL.canParse(v), { message: "must be an http(s) URL" })
    .optional(),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).optional(),
  auth: z
    .strictObject({
      apiKeys: z.array(z.string().min(8)).optional(),
      adminKeys: z.array(z.string().min(8)).optional(),
      workerSecret: z.string().min(8).optional(),
      disabled: z.boolean().optional(),
    })
    .optional(),
  pingIntervalMs: int().min(1000).max(600_000).optional(),
  // Below the Python worker's 90 s client-side bound on job-take (docs/protocol.md §4).
  takeHoldMs: int().min(1000).max(85_000).optional(),
  webhook: z
    .strictObject({
      attempts: int().min(1).max(10).optional(),
      delayMs: int().min(0).max(600_000).optional(),
      secret: z.string().min(1).optional(),
    })
    .optional(),
  rateLimits: rateLimitsSchema.optional(),
  metrics: z.strictObject({ auth: z.boolean().optional() }).optional(),
  // Several nodes on one PostgreSQL store (docs/deployment.md); ignored by a single-node store.
  cluster: z
    .strictObject({
      nodeName: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,100}$/, { message: "must be 1–100 of [A-Za-z0-9_.-]" })
        .optional(),
      leaderTtlMs: int().min(1000).max(300_000).optional(),
      recheckMs: int().min(100).max(10_000).optional(),
    })
    .optional(),
  endpoints: z.array(endpointSchema).optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
