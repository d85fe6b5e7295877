/**
 * The seam between the supervisor and whatever runs worker processes. The local process provider lives in
 * `local-process.ts`; a container or remote provider would implement the same contract.
 */
import type { LogBuffer } from "./log-buffer.js";

export interface WorkerSpec {
  workerId: string;
  endpointId: string;
  /** argv, run without a shell: `["node", "dist/handler.js"]`, `["python3", "handler.py"]`. */
  command: string[];
  /** Working directory; when omitted the provider gives the worker a private one. */
  cwd?: string;
  /** Complete environment of the worker (the provider adds only its per-worker directories). */
  env: Record<string, string>;
}

export interface WorkerExit {
  /** Exit code, or null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. `spawn python9 ENOENT`). */
  error?: string;
  at: number;
}

export interface WorkerHandle {
  readonly workerId: string;
  readonly pid: number | undefined;
  readonly startedAt: number;
  /** Resolves once the process (and, for a process group, its leader) has exited. Never rejects. */
  readonly exited: Promise<WorkerExit>;
  /** Whether `exited` has resolved. */
  readonly done: boolean;
  /** Sends `signal` (default SIGTERM), then kills after `graceMs` if still alive; resolves on exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<WorkerExit>;
  /** Kills at once (SIGKILL to the whole process group). */
  kill(): void;
  readonly logs: LogBuffer;
}

export interface WorkerProvider {
  readonly name: string;
  start(spec: WorkerSpec): WorkerHandle;
  /** Stops every worker it started (graceful first, then forced), for shutdown. */
  stopAll(graceMs?: number): Promise<void>;
}
