/**
 * The supervisor's contracts: what it needs from the job engine, how it is configured, and what it shows. Also
 * its own bookkeeping of the processes it runs — which is not liveness: whether a worker is initializing, idle,
 * busy or unhealthy is the engine's worker registry's to say (`engine/workers.ts`).
 */
import type { WorkerListing } from "@gantry/protocol";
import type { EndpointScaling, EndpointWorkerCommand } from "../domain/endpoint.js";
import type { JobStatus } from "../domain/job.js";
import type { WorkerRegistry } from "../engine/workers.js";
import type { LogBuffer } from "../providers/log-buffer.js";
import type { WorkerExit, WorkerHandle, WorkerProvider } from "../providers/provider.js";
import type { CrashState } from "../scaling/backoff.js";
import type { ScalerTuning, WorkerState } from "../scaling/decide.js";
import type { QueueStats } from "../store/store.js";
import type { ColdStartStats, ColdStartSummary } from "./cold-start.js";
import type { CrashReport } from "./hints.js";

export type { QueueStats };

/** What the supervisor needs from the job engine besides its worker registry. */
export interface SupervisorHost {
  queueStats(endpointId: string): Promise<QueueStats>;
  /** A job's status and holder; undefined when it no longer exists. */
  jobState(endpointId: string, jobId: string): Promise<{ status: JobStatus; workerId?: string } | undefined>;
  /** A worker process is gone: its jobs can be requeued now instead of at lease expiry. */
  workerGone?(endpointId: string, workerId: string, reason: string): void | Promise<void>;
}

export interface SupervisedEndpoint {
  id: string;
  scaling: EndpointScaling;
  /** How to start a worker; without it the endpoint's workers are started elsewhere and only observed. */
  worker?: EndpointWorkerCommand;
}

export interface SupervisorOptions {
  host: SupervisorHost;
  /** The engine's worker registry: the supervisor records its spawns and verdicts there and reads states. */
  workers: WorkerRegistry;
  provider: WorkerProvider;
  /** Complete environment for a new worker (protocol variables included). */
  workerEnv(endpointId: string, workerId: string): Record<string, string>;
  tickMs?: number;
  tuning?: ScalerTuning;
  /** SIGTERM → SIGKILL grace on scale-down, recycling and shutdown. */
  stopGraceMs?: number;
  /** How long a worker may keep a job the platform cancelled or timed out before its process is killed. */
  overrunGraceMs?: number;
  /** A started worker that has not called in by then is unhealthy (replaced). */
  startTimeoutMs?: number;
  /** A worker not heard from (no ping, take or post) for this long is unhealthy (replaced). */
  silentAfterMs?: number;
  /** A worker that has been taking jobs this long ends a crash streak even if it has not finished one. */
  stableMs?: number;
  now?: () => number;
  log?: (level: "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => void;
}

/** The options with their defaults filled in. */
export type ResolvedOptions = Required<Omit<SupervisorOptions, "log" | "tuning">> &
  Pick<SupervisorOptions, "log"> & { tuning: ScalerTuning };

/** A worker the supervisor runs, as it lists it: the admin API's wire type, so the two cannot drift apart. */
export type { WorkerListing };

export interface EndpointSupervision {
  id: string;
  managed: boolean;
  scaling: EndpointScaling;
  /** The workers the supervisor started (workers started elsewhere are in the registry only). */
  workers: WorkerListing[];
  /** Every worker of the endpoint by state, as `/health` counts them, plus a crash-looping endpoint's slot. */
  counts: Record<WorkerState, number>;
  coldStart: ColdStartSummary;
  crash: { consecutive: number; looping: boolean; nextStartAt?: number; last?: CrashReport };
  hints: string[];
}

/** A worker the supervisor started, running or recently exited: for the logs route. */
export interface WorkerRecord {
  id: string;
  endpointId: string;
  logs: LogBuffer;
  /** Resolves when the process has exited (at once for a retired worker). */
  exited: Promise<WorkerExit>;
  /** Its listing while it runs; undefined once retired. */
  listing?: WorkerListing;
  /** Exit and why, once retired. */
  retired?: { exit: WorkerExit; why: string };
}

/** A process the supervisor runs. */
export interface Managed {
  id: string;
  endpointId: string;
  handle: WorkerHandle;
  startedAt: number;
  /** Its state at the previous tick: a move into `idle` starts its idle time. */
  tickState?: WorkerState;
  idleSince?: number;
  stopping?: string;
  /** When its stopPod request was first seen with no job left. */
  recycleSeenAt?: number;
  /** Stopped because it was unhealthy: its exit counts as a crash (back-off, hints). */
  failed?: boolean;
  /** job id → when the platform was first seen to no longer want this worker running it */
  overdue: Map<string, number>;
  lastJobCheck: number;
}

export interface EndpointRuntime {
  config: SupervisedEndpoint;
  workers: Map<string, Managed>;
  crash: CrashState;
  lastCrash?: CrashReport;
  crashLooping: boolean;
  lastScaleUpAt?: number;
  coldStarts: ColdStartStats;
}

/** An exited worker, kept for its logs and exit. */
export interface Retired {
  endpointId: string;
  logs: LogBuffer;
  exit: WorkerExit;
  why: string;
}
