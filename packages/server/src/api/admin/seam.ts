/**
 * What the admin API needs beyond the `Platform`: the configured endpoints, the workers the protocol has seen,
 * and, when Gantry runs workers itself, a `WorkerFleet` to read and change them. `server.ts` wires these to the
 * engine and the supervisor; the types below are the admin API's own view of them, so the API depends on this
 * interface and not on the supervisor's code.
 */
import type {
  ColdStartView,
  CrashView,
  ScalingPatch,
  ScalingSettings,
  WorkerExitView,
  WorkerListing,
  WorkerLogLine,
  WorkerStateName,
} from "@gantry/protocol";
import type { EndpointConfig } from "../../domain/endpoint.js";

/** A worker as the protocol registry saw it (started by Gantry or elsewhere). */
export interface SeenWorker {
  id: string;
  endpointId: string;
  state: WorkerStateName;
  lastSeen: number;
  concurrency: number;
  jobs: number;
  version?: string;
  unhealthy?: { check?: string; reason?: string };
  recycle: boolean;
}

/** What the fleet shows of an endpoint: its settings in force, its workers (the protocol's `WorkerListing`). */
export interface FleetEndpoint {
  scaling: ScalingSettings;
  workers: readonly WorkerListing[];
  coldStart: ColdStartView;
  crash: CrashView;
}

/** A worker's output as the fleet keeps it: the latest lines, and new ones as they are printed. */
export interface WorkerLogs {
  lines(opts: { afterSeq?: number; limit?: number }): WorkerLogLine[];
  /** Calls `listener` with every new line; returns the unfollow. */
  follow(listener: (line: WorkerLogLine) => void): () => void;
  readonly lastSeq: number;
}

/** How a process ended, before the fleet says why. */
export type ProcessExit = Omit<WorkerExitView, "why">;

/** A running or recently exited worker process, with its log. */
export interface FleetProcess {
  id: string;
  endpointId: string;
  logs: WorkerLogs;
  /** Resolves when the process has exited (at once for a retired one). */
  exited: Promise<ProcessExit>;
  /** Exit and why, once retired. */
  retired?: { exit: ProcessExit; why: string };
}

/** The workers Gantry starts and scales (the supervisor). */
export interface WorkerFleet {
  status(endpointId: string): FleetEndpoint | undefined;
  /** Applies a checked change; takes effect on the next tick. */
  updateScaling(endpointId: string, patch: ScalingPatch): ScalingSettings;
  /** Applies the scaling now rather than on the next tick. */
  tick(): Promise<void>;
  worker(workerId: string): FleetProcess | undefined;
  retired(workerId: string): { why: string } | undefined;
  /** Stops a running worker (SIGTERM and a grace period, or SIGKILL with `force`); undefined when gone. */
  stopWorker(workerId: string, options: { force: boolean }): WorkerListing | undefined;
}

export interface AdminOptions {
  /** Every configured endpoint, in config order. */
  endpoints: () => readonly EndpointConfig[];
  /** Absent when no endpoint has a `worker.command`. */
  supervisor?: WorkerFleet;
  /** Workers seen through the worker protocol (the engine's registry). */
  listWorkers: (endpointId: string) => Promise<readonly SeenWorker[]>;
  /** When set, only these keys reach the admin API; otherwise any API key does. */
  adminKeys?: readonly string[];
}
