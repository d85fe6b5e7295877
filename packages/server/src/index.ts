/** Public API of @gantry/server. */

export type { AdminOptions, WorkerFleet } from "./api/admin/seam.js";
export { type Api, type CreateApiOptions, createApi } from "./api/create-api.js";
export type { AuthOptions } from "./api/http/auth.js";
export { type ApiLimits, DEFAULT_LIMITS, type EndpointByteLimits } from "./api/http/deps.js";
export type { RequestListener } from "./api/http/dispatcher.js";
export type { Route } from "./api/http/route.js";
export { openApiDocument } from "./api/public/openapi.js";
export {
  CONFIG_DEFAULTS,
  ConfigError,
  type GantryConfig,
  isLoopbackHost,
  type LoadConfigOptions,
  type LogLevel,
  loadConfig,
} from "./config/load.js";
export { prepareSecrets, type ResolvedSecrets } from "./config/secrets.js";
export { type WorkerEnvOptions, workerEnv } from "./config/worker-env.js";
export {
  type DevServerOptions,
  type LocalPlatform,
  type LocalPlatformOptions,
  runDevServer,
  startLocalPlatform,
} from "./dev/index.js";
export {
  ENDPOINT_DEFAULTS,
  type EndpointConfig,
  type EndpointConfigInput,
  resolveEndpoint,
} from "./domain/endpoint.js";
export type { JobRecord, JobStatus, JobSummary, JobView } from "./domain/job.js";
export {
  DEFAULT_RATE_LIMITS,
  type RateLimitGroup,
  type RateLimitRule,
  type RateLimits,
} from "./domain/rate-limits.js";
export { Engine, type EngineHooks, type EngineInit, type EngineOptions } from "./engine/engine.js";
export type {
  HealthView,
  JobEvent,
  ListRecentRequest,
  Outcome,
  PingReport,
  Platform,
  SubmitRequest,
  WorkerDoneBody,
  WorkerJob,
} from "./engine/platform.js";
export { GantryMetrics } from "./metrics/metrics.js";
export { type LocalProcessOptions, LocalProcessProvider } from "./providers/local-process.js";
export { LogBuffer, type LogLine } from "./providers/log-buffer.js";
export type { WorkerExit, WorkerHandle, WorkerProvider, WorkerSpec } from "./providers/provider.js";
export {
  DEFAULT_TUNING,
  decide,
  type ScaleAction,
  type ScaleDecision,
  type ScalingSnapshot,
} from "./scaling/decide.js";
export { applyScalingPatch, ScalingSettingsError } from "./scaling/settings.js";
export { type GantryServer, type StartServerOptions, startServer } from "./server.js";
export { describeStore, openStore, type StoreConfig } from "./store/open-store.js";
export {
  DEFAULT_POSTGRES_SCHEMA,
  migratePostgres,
  openPostgresStore,
  PostgresStore,
  type PostgresStoreOptions,
  redactConnectionString,
} from "./store/postgres.js";
export {
  type MigrationResult,
  POSTGRES_SCHEMA_VERSION,
  SchemaVersionError,
} from "./store/postgres-migrations.js";
export { openSqliteStore, SqliteStore, type SqliteStoreOptions } from "./store/sqlite.js";
export type { ClusterStore, JobStore, Store, WebhookOutbox } from "./store/store.js";
export { createSupervision, type Supervision, type SupervisionOptions } from "./supervisor/attach.js";
export type { ColdStartSummary } from "./supervisor/cold-start.js";
export {
  type EndpointSupervision,
  Supervisor,
  type SupervisorHost,
  type WorkerListing,
  type WorkerRecord,
} from "./supervisor/supervisor.js";
