/**
 * What the worker registry shows of a worker, and how its state is derived. One derivation for every reader —
 * `/health`, the admin API, the supervisor's scaler and hints — so they cannot disagree about a worker.
 */

export type WorkerState = "idle" | "running" | "unhealthy" | "initializing" | "throttled";

export interface WorkerInfo {
  id: string;
  endpointId: string;
  state: WorkerState;
  /** When the registry first knew of it: its spawn for a worker a supervisor started, else its first contact. */
  firstSeen: number;
  /** Its latest contact; now, while one of its long-polls is held open. */
  lastSeen: number;
  /** Largest batch size the worker asked for: its concurrency as far as we can tell. */
  concurrency: number;
  /** Jobs it holds right now: the store's count or the jobs it says it runs, whichever is larger. */
  jobs: number;
  version?: string;
  unhealthy?: { check?: string; reason?: string; at: number };
  /** The worker asked to be recycled (`stopPod`). */
  recycle: boolean;
  /** When a supervisor spawned its process; undefined for a worker started elsewhere. */
  spawnedAt?: number;
  /** Its first request of any kind (ping, job-take, post). */
  firstContactAt?: number;
  /** Its first job-take request: the end of its cold start. */
  firstTakeAt?: number;
  /** Spawn → first job-take request, for a worker whose spawn is known. */
  coldStartMs?: number;
  /** When it first answered a job (a result or an error; progress does not count). Seen on this node. */
  firstDoneAt?: number;
  /** Jobs it answered. Seen on this node. */
  jobsDone: number;
  lastJobAt?: number;
  /** Ids of the jobs it says it runs (handed to it, listed in its pings, not yet answered). Seen on this node. */
  held: string[];
  /** Why its supervisor judged it unhealthy (did not call in, silent); it is stopped and replaced. */
  verdict?: string;
}

export type WorkerEvent =
  /** Its first job-take request: it is ready, and its cold start (when its spawn is known) is measured. */
  | { type: "ready"; endpointId: string; workerId: string; at: number; coldStartMs?: number }
  /** It answered a job (result or error). */
  | { type: "answered"; endpointId: string; workerId: string; jobId: string; at: number; first: boolean };

export interface WorkerSummary {
  idle: number;
  initializing: number;
  ready: number;
  running: number;
  throttled: number;
  unhealthy: number;
}

/** The state a worker is in; the first that applies wins. */
export function deriveState(w: {
  unhealthy?: unknown;
  verdict?: string | undefined;
  initializing: boolean;
  jobs: number;
  throttled: boolean;
}): WorkerState {
  if (w.unhealthy !== undefined || w.verdict !== undefined) return "unhealthy";
  if (w.initializing) return "initializing";
  if (w.jobs > 0) return "running";
  return w.throttled ? "throttled" : "idle";
}

export function summarize(workers: readonly WorkerInfo[]): WorkerSummary {
  const s: WorkerSummary = { idle: 0, initializing: 0, ready: 0, running: 0, throttled: 0, unhealthy: 0 };
  for (const w of workers) {
    s[w.state]++;
    if (w.state === "idle" && !w.recycle) s.ready++;
  }
  return s;
}

export function describeUnhealthy(w: WorkerInfo): string {
  const what = [w.unhealthy?.check, w.unhealthy?.reason, w.unhealthy ? undefined : w.verdict]
    .filter((x) => x)
    .join(": ");
  return `worker ${w.id} is unhealthy${what ? ` (${what})` : ""}`;
}
