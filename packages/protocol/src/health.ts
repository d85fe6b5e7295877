/**
 * `GET /health`. RunPod sends the base counters; Gantry adds the ones marked as extensions. `HealthStatus` is
 * what a client may receive from either, `HealthView` what a Gantry server always sends; a `HealthView` is a
 * `HealthStatus`, so the two never drift apart.
 */

export interface HealthStatus {
  jobs: {
    completed: number;
    failed: number;
    inProgress: number;
    inQueue: number;
    retried: number;
    /** Gantry extension. */
    cancelled?: number;
    /** Gantry extension. */
    timedOut?: number;
  };
  workers: {
    idle: number;
    running: number;
    /** Gantry extension. */
    initializing?: number;
    /** Gantry extension. */
    ready?: number;
    /** Gantry extension. */
    throttled?: number;
    /** Gantry extension. */
    unhealthy?: number;
  };
  /** Gantry extension: human-readable reasons for unhealthy workers or stuck queues. */
  hints?: string[];
}

/** The health a Gantry server sends: every counter present. */
export interface HealthView extends HealthStatus {
  jobs: Required<HealthStatus["jobs"]>;
  workers: Required<HealthStatus["workers"]>;
}
