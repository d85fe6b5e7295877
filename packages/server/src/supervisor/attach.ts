/**
 * One call that wires supervision onto an engine: the process provider, the supervisor (which reads and feeds
 * the engine's worker registry), and the platform the HTTP app must serve (the engine, with the supervisor's
 * hints for clients). `server.ts` calls it when endpoints have a `worker.command`.
 */
import { workerEnv } from "../config/worker-env.js";
import type { EndpointConfig } from "../domain/endpoint.js";
import { keyOfEvent } from "../engine/bus.js";
import type { Engine } from "../engine/engine.js";
import type { Platform } from "../engine/platform.js";
import { LocalProcessProvider } from "../providers/local-process.js";
import type { WorkerProvider } from "../providers/provider.js";
import { withClientHints } from "./client-hints.js";
import { engineHost } from "./engine-host.js";
import { composeWorkerEnv } from "./process-env.js";
import { Supervisor, type SupervisorOptions } from "./supervisor.js";

export interface SupervisionOptions {
  engine: Engine;
  endpoints: readonly EndpointConfig[];
  /** `<dataDir>/workers/` holds per-worker directories and log files. */
  dataDir: string;
  /** How workers reach the server; a function because it is known only once the server listens. */
  publicUrl: () => string;
  workerSecret: string;
  pingIntervalMs: number;
  provider?: WorkerProvider;
  /** Environment the workers inherit (minus GANTRY_* and RUNPOD_*); default `process.env`. */
  parentEnv?: NodeJS.ProcessEnv;
  /** Supervisor tuning (tick, grace periods, scaler hysteresis). */
  tuning?: Partial<
    Pick<
      SupervisorOptions,
      "tickMs" | "tuning" | "stopGraceMs" | "overrunGraceMs" | "startTimeoutMs" | "silentAfterMs" | "stableMs"
    >
  >;
  log?: SupervisorOptions["log"];
}

export interface Supervision {
  /** Serve this instead of the engine: it adds the supervisor's hints for clients. */
  platform: Platform;
  supervisor: Supervisor;
  provider: WorkerProvider;
  start(): void;
  /** Stops every worker (SIGTERM, then SIGKILL after the grace period). Call before stopping the engine. */
  close(graceMs?: number): Promise<void>;
}

export function createSupervision(options: SupervisionOptions): Supervision {
  const provider = options.provider ?? new LocalProcessProvider({ dataDir: options.dataDir });
  const commands = new Map(options.endpoints.map((e) => [e.id, e.worker]));
  const parentEnv = options.parentEnv ?? process.env;
  // Silence must exceed a few ping intervals: a busy worker on an old SDK may ping late.
  const silentAfterMs = Math.max(60_000, options.pingIntervalMs * 6);
  const overrunGraceMs = Math.max(15_000, options.pingIntervalMs * 2);
  const supervisor = new Supervisor(
    {
      host: engineHost(options.engine),
      provider,
      workers: options.engine.workers,
      workerEnv: (endpointId, workerId) =>
        composeWorkerEnv(
          parentEnv,
          workerEnv({
            publicUrl: options.publicUrl(),
            endpointId,
            workerId,
            workerSecret: options.workerSecret,
            pingIntervalMs: options.pingIntervalMs,
          }),
          commands.get(endpointId)?.env,
        ),
      silentAfterMs,
      overrunGraceMs,
      ...options.tuning,
      ...(options.log ? { log: options.log } : {}),
    },
    options.endpoints.map((e) => ({
      id: e.id,
      scaling: e.scaling,
      ...(e.worker ? { worker: e.worker } : {}),
    })),
  );
  // Every job queued on an endpoint (submit, retry, requeue, or another node's submit over the bus) notifies the
  // endpoint's queue key; listening there, not in the submit route, sees them all without touching the engine.
  const unlisten = options.endpoints
    .filter((e) => e.worker !== undefined)
    .map((e) =>
      options.engine.waiters.on(keyOfEvent({ topic: "queue", id: e.id }), () => supervisor.nudge(e.id)),
    );
  const platform = withClientHints(options.engine as Platform, {
    queueHint: (id) => supervisor.queueHint(id),
    healthHints: (id) => supervisor.healthHints(id),
    unhealthyCount: (id) => supervisor.status(id)?.counts.unhealthy ?? 0,
  });
  return {
    platform,
    supervisor,
    provider,
    start: () => supervisor.start(),
    close: (graceMs) => {
      for (const off of unlisten) off();
      return supervisor.close(graceMs);
    },
  };
}
