/**
 * A small in-memory `Platform` for route-level tests: enough queue semantics to exercise every route, plus
 * recorders of what the API passed in. Not a model of the engine's rules.
 */
import { EventEmitter } from "node:events";
import { isTerminal, type JobStatus, type JobView } from "../../domain/job.js";
import type {
  HealthView,
  JobEvent,
  Outcome,
  PingReport,
  Platform,
  SubmitRequest,
  WorkerDoneBody,
  WorkerJob,
} from "../../engine/platform.js";

type EventWithoutId = JobEvent extends infer E ? (E extends JobEvent ? Omit<E, "id"> : never) : never;

interface StubJob {
  view: JobView;
  req: SubmitRequest;
  chunks: unknown[];
  drained: number;
  events: JobEvent[];
}

export class StubPlatform implements Platform {
  readonly endpoints = new Set<string>(["ep1"]);
  readonly jobs = new Map<string, StubJob>();
  readonly queue: string[] = [];
  readonly submits: SubmitRequest[] = [];
  readonly dones: { workerId: string; jobId: string; body: WorkerDoneBody; isStream: boolean }[] = [];
  readonly pings: { workerId: string; report: PingReport }[] = [];
  readonly putBacks: { workerId: string; jobIds: string[] }[] = [];
  readonly streamed: { jobId: string; output: unknown }[] = [];
  readonly stops = new Map<string, string[]>();
  readonly takeSignals: AbortSignal[] = [];
  submitOutcome: Outcome<JobView> | undefined;
  /** Jobs handed out by the next take regardless of the queue (to provoke "too many"). */
  forceTake: WorkerJob[] | undefined;
  private readonly bus = new EventEmitter();
  private seq = 0;

  constructor() {
    this.bus.setMaxListeners(0);
  }

  hasEndpoint(id: string): boolean {
    return this.endpoints.has(id);
  }

  async submit(req: SubmitRequest): Promise<Outcome<JobView>> {
    this.submits.push(req);
    if (this.submitOutcome) return this.submitOutcome;
    const id = `${req.sync ? "sync-" : ""}job${++this.seq}`;
    const job: StubJob = { view: { id, status: "IN_QUEUE" }, req, chunks: [], drained: 0, events: [] };
    this.jobs.set(id, job);
    this.queue.push(id);
    this.bus.emit("queued");
    return { ok: true, value: { ...job.view } };
  }

  async status(_ep: string, id: string) {
    const job = this.jobs.get(id);
    return job ? { ...job.view } : undefined;
  }

  private async until(
    test: () => boolean,
    waitMs: number,
    signal?: AbortSignal,
    event = "change",
  ): Promise<void> {
    if (test()) return;
    await new Promise<void>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.bus.off(event, check);
        signal?.removeEventListener("abort", finish);
        resolve();
      };
      const check = () => {
        if (test()) finish();
      };
      const timer = setTimeout(finish, waitMs);
      this.bus.on(event, check);
      signal?.addEventListener("abort", finish);
    });
  }

  async waitForTerminal(_ep: string, id: string, waitMs: number, signal?: AbortSignal) {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    await this.until(() => isTerminal(job.view.status), waitMs, signal);
    return { ...job.view };
  }

  async drainStream(_ep: string, id: string, waitMs: number, signal?: AbortSignal) {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    await this.until(() => job.chunks.length > job.drained || isTerminal(job.view.status), waitMs, signal);
    const stream = job.chunks.slice(job.drained).map((output) => ({ output }));
    job.drained = job.chunks.length;
    return { status: job.view.status, stream };
  }

  async subscribe(_ep: string, id: string, after: number, onEvent: (e: JobEvent) => void) {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    for (const e of job.events) if (e.id > after) onEvent(e);
    const listener = (jobId: string, e: JobEvent) => {
      if (jobId === id && e.id > after) onEvent(e);
    };
    this.bus.on("event", listener);
    return () => {
      this.bus.off("event", listener);
    };
  }

  private emit(job: StubJob, e: EventWithoutId): void {
    const event = { ...e, id: job.events.length + 1 } as JobEvent;
    job.events.push(event);
    this.bus.emit("event", job.view.id, event);
  }

  setStatus(id: string, status: JobStatus, extra: Partial<JobView> = {}): void {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    job.view = { ...job.view, ...extra, status };
    const qi = this.queue.indexOf(id);
    if (status !== "IN_QUEUE" && qi >= 0) this.queue.splice(qi, 1);
    this.emit(job, { type: "status", job: { ...job.view } });
    this.bus.emit("change");
  }

  addChunk(id: string, output: unknown): void {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    job.chunks.push(output);
    this.emit(job, { type: "chunk", seq: job.chunks.length, output });
    this.bus.emit("change");
  }

  listeners(): number {
    return this.bus.listenerCount("event");
  }

  async cancel(_ep: string, id: string) {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (!isTerminal(job.view.status)) this.setStatus(id, "CANCELLED");
    return { ...job.view };
  }

  async retry(_ep: string, id: string): Promise<Outcome<JobView>> {
    const job = this.jobs.get(id);
    if (!job) return { ok: false, code: 404, error: `job ${id} not found` };
    if (job.view.status !== "FAILED" && job.view.status !== "TIMED_OUT") {
      return {
        ok: false,
        code: 400,
        error: `job ${id} is ${job.view.status}; only FAILED or TIMED_OUT jobs can be retried`,
      };
    }
    this.setStatus(id, "IN_QUEUE");
    this.queue.push(id);
    return { ok: true, value: { id, status: "IN_QUEUE" } };
  }

  async purgeQueue(): Promise<number> {
    const n = this.queue.length;
    for (const id of [...this.queue]) this.setStatus(id, "CANCELLED");
    this.queue.length = 0;
    return n;
  }

  async health(): Promise<HealthView> {
    const count = (s: JobStatus) => [...this.jobs.values()].filter((j) => j.view.status === s).length;
    return {
      jobs: {
        completed: count("COMPLETED"),
        failed: count("FAILED"),
        inProgress: count("IN_PROGRESS"),
        inQueue: count("IN_QUEUE"),
        retried: 0,
        cancelled: count("CANCELLED"),
        timedOut: count("TIMED_OUT"),
      },
      workers: { idle: 1, initializing: 0, ready: 1, running: 0, throttled: 0, unhealthy: 0 },
    };
  }

  async take(
    _ep: string,
    workerId: string,
    max: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<WorkerJob[]> {
    if (signal) this.takeSignals.push(signal);
    if (this.forceTake) {
      const jobs = this.forceTake;
      this.forceTake = undefined;
      return jobs;
    }
    await this.until(() => this.queue.length > 0, waitMs, signal, "queued");
    const ids = this.queue.splice(0, max);
    return ids.map((id) => {
      const job = this.jobs.get(id)!;
      job.view = { ...job.view, status: "IN_PROGRESS", workerId };
      return { id, input: job.req.input, ...(job.req.extra ?? {}) };
    });
  }

  async putBack(_ep: string, workerId: string, jobIds: string[]): Promise<void> {
    this.putBacks.push({ workerId, jobIds });
    for (const id of jobIds) {
      const job = this.jobs.get(id);
      if (job) job.view = { id, status: "IN_QUEUE" };
      this.queue.unshift(id);
    }
    this.bus.emit("putBack");
  }

  async workerDone(_ep: string, workerId: string, jobId: string, body: WorkerDoneBody, isStream: boolean) {
    this.dones.push({ workerId, jobId, body, isStream });
    const job = this.jobs.get(jobId);
    if (!job) return { ok: false as const, code: 404 as const, error: `job ${jobId} not found` };
    if (body.status === "IN_PROGRESS") return { ok: true as const, value: undefined };
    if (body.error !== undefined) this.setStatus(jobId, "FAILED", { error: body.error });
    else this.setStatus(jobId, "COMPLETED", { output: body.output });
    return { ok: true as const, value: undefined };
  }

  async workerStream(_ep: string, _w: string, jobId: string, output: unknown): Promise<Outcome<void>> {
    this.streamed.push({ jobId, output });
    if (!this.jobs.has(jobId)) return { ok: false, code: 404, error: `job ${jobId} not found` };
    this.addChunk(jobId, output);
    return { ok: true, value: undefined };
  }

  async ping(_ep: string, workerId: string, report: PingReport): Promise<void> {
    this.pings.push({ workerId, report });
  }

  async waitStops(_ep: string, workerId: string, waitMs: number, signal?: AbortSignal): Promise<string[]> {
    await this.until(() => (this.stops.get(workerId)?.length ?? 0) > 0, waitMs, signal, "stop");
    const ids = this.stops.get(workerId) ?? [];
    this.stops.delete(workerId);
    return ids;
  }

  requestStop(workerId: string, jobId: string): void {
    this.stops.set(workerId, [...(this.stops.get(workerId) ?? []), jobId]);
    this.bus.emit("stop");
  }

  onceEvent(name: "putBack" | "queued"): Promise<void> {
    return new Promise((resolve) => this.bus.once(name, () => resolve()));
  }
}
