/**
 * What the admin API needs beyond the `Platform`: the configured endpoints, the workers the protocol has seen,
 * and, when Gantry runs workers itself, a `WorkerFleet` to read and change them. `server.ts` wires these to the
 * engine and the supervisor; the types below are the admin API's own view of them, so the API depends on this
 * interface and not on the supervisor's code.
 */
import type { EndpointConfig, EndpointScaling } from "../../domain/endpoint.js";
import type { ScalingPatch } from "../http/validate.js";

/** A worker as the protocol registry saw it (started by Gantry or elsewhere). */
export interface SeenWorker {
  id: string;
  endpointId: string;
  state: string;
  lastSeen: number;
  concurrency: number;
  jobs: number;
  version?: string;
  unhealthy?: { check?: string; reason?: string };
  recycle: boolean;
}

/** A worker process Gantry runs, as the fleet lists it. */
export interface FleetWorker {
  id: string;
  endpointId: string;
  state: string;
  pid?: number;
  startedAt: number;
  coldStartMs?: number;
  concurrency: number;
  jobs: number;
  stopping?: string;
  reason?: string;
}

export interface FleetEndpoint {
  scaling: EndpointScaling;
  workers: readonly FleetWorker[];
  /** Answered as the fleet reports them. */
  coldStart: unknown;
  crash: unknown;
}

export interface LogLineView {
  /** 1-based, monotonic per worker: a follower resumes after the last seq it saw. */
  seq: number;
}

export interface WorkerLogs<L extends LogLineView = LogLineView> {
  lines(opts: { afterSeq?: number; limit?: number }): L[];
  /** Calls `listener` with every new line; returns the unfollow. */
  follow(listener: (line: L) => void): () => void;
  readonly lastSeq: number;
}

export interface WorkerExitView {
  code: number | null;
  signal: string | null;
  error?: string;
  at: number;
}

/** A running or recently exited worker process, with its log. */
export interface FleetProcess {
  id: string;
  endpointId: string;
  logs: WorkerLogs;
  /** Resolves when the process has exited (at once for a retired one). */
  exited: Promise<WorkerExitView>;
  /** Exit and why, once retired. */
  retired?: { exit: WorkerExitView; why: string };
}

/** The workers Gantry starts and scales (the supervisor). */
export interface WorkerFleet {
  status(endpointId: string): FleetEndpoint | undefined;
  /** Applies a checked change; takes effect on the next tick. */
  updateScaling(endpointId: string, patch: ScalingPatch): EndpointScaling;
  /** Applies the scaling now rather than on the next tick. */
  tick(): Promise<void>;
  worker(workerId: string): FleetProcess | undefined;
  retired(workerId: string): { why: string } | undefined;
  /** Stops a running worker (SIGTERM and a grace period, or SIGKILL with `force`); undefined when gone. */
  stopWorker(workerId: string, options: { force: boolean }): FleetWorker | undefined;
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
