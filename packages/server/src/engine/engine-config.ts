/** What an `Engine` is built from: its store, its optional cluster, endpoints, clock, logger, tuning and hooks. */
import type { EndpointLookup } from "../domain/endpoint.js";
import type { JobRecord } from "../domain/job.js";
import type { ClusterStore } from "../store/cluster-store.js";
import type { Store } from "../store/store.js";
import type { EventBus } from "./bus.js";
import type { Leadership } from "./leader.js";
import type { EngineLogger } from "./logger.js";
import type { WebhookOptions } from "./webhooks.js";

export interface EngineOptions {
  /** Suffix of job ids (`<uuid>-<nodeId>`); letters and digits. Default "g1". */
  nodeId?: string;
  /** Longest hold of a job-take long-poll (below the worker's 90 s bound). Default `DEFAULT_TAKE_HOLD_MS`. */
  takeHoldMs?: number;
  /** Longest hold of a job-stop long-poll. Default `DEFAULT_TAKE_HOLD_MS`. */
  stopHoldMs?: number;
  /** The workers' `RUNPOD_PING_INTERVAL`. Default 10 000. */
  pingIntervalMs?: number;
  /** How long a job stays with its worker without a ping naming it. Default max(3 × ping, 30 s). */
  leaseMs?: number;
  /** Sweep period. Default 500. */
  sweepIntervalMs?: number;
  /** How long an unhealthy report stays visible. Default 10 min. */
  unhealthyMs?: number;
  /** How long a worker that posted `stopPod` is refused jobs (see `WorkerRegistry`). Default 60 s. */
  recycleHoldMs?: number;
  webhook?: Partial<WebhookOptions>;
}

export interface EngineHooks {
  onJobTerminal?(job: JobRecord): void;
  onJobTaken?(job: JobRecord): void;
}

/**
 * Several nodes sharing one store. Wake-ups travel over the bus; stop signals, the worker registry and the leader
 * lease live in `store`; sweeps and webhook delivery run on the leader.
 */
export interface EngineCluster {
  /** The shared state: required, so a cluster without it does not type-check. */
  store: ClusterStore;
  bus: EventBus;
  /** Who runs the once-only work; default: this node always (tests). */
  leadership?: Leadership;
  /** Longest a long-poll or live feed goes without re-reading the store. Default 1000. */
  recheckMs?: number;
  /** Period of the worker registry sync. Default 1000. */
  workerSyncMs?: number;
}

/** The parts of a `Store` every engine runs on; `ClusterStore` comes with `EngineCluster`. */
export type EngineStore = Pick<Store, "jobs" | "webhooks">;

export interface EngineInit {
  store: EngineStore;
  /** Present when several Gantry nodes share the store. */
  cluster?: EngineCluster;
  endpoints: EndpointLookup;
  clock?: () => number;
  log?: EngineLogger;
  options?: EngineOptions;
  hooks?: EngineHooks;
}
