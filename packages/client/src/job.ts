/** A job on an endpoint: its status, its result, its stream of chunks and its progress. */
import { JobFailedError } from "./errors.js";
import type { HttpClient } from "./http.js";
import type { JobContext, TransportMemory } from "./job-context.js";
import { progressOf } from "./progress.js";
import { linkedController } from "./sleep.js";
import { asJobAck, asJobStatus, isTerminal } from "./status.js";
import { streamJob } from "./stream.js";
import type { JobAck, JobStatus, ProgressOptions, StreamOptions, WaitOptions } from "./types.js";
import { waitForJob } from "./wait.js";

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface ProgressListenerOptions extends ProgressOptions {
  /** Receives the error that ended the updates early (network down for too long, job deleted…). */
  onError?: (error: unknown) => void;
}

export class Job<TOutput = unknown> {
  readonly id: string;
  #http: HttpClient;
  #ctx: JobContext;
  #last: JobStatus<TOutput> | undefined;

  /** Use `endpoint.run()` or `endpoint.job(id)` rather than this constructor. */
  constructor(http: HttpClient, transport: TransportMemory, id: string, initial?: JobStatus) {
    this.id = id;
    this.#http = http;
    this.#last = initial as JobStatus<TOutput> | undefined;
    this.#ctx = {
      http,
      jobId: id,
      transport,
      record: (s) => {
        this.#last = s as JobStatus<TOutput>;
      },
    };
  }

  /** The most recent status object this client has seen (from any call), if any. */
  get lastStatus(): JobStatus<TOutput> | undefined {
    return this.#last;
  }

  /** `GET /status/{id}`: the job's current status object. Never blocks. */
  async status(options: RequestOptions = {}): Promise<JobStatus<TOutput>> {
    const body = await this.#http.json({
      method: "GET",
      op: `status/${this.id}`,
      retry: true,
      ...signalOf(options),
    });
    const s = asJobStatus(body, `status ${this.id}`) as JobStatus<TOutput>;
    this.#last = s;
    return s;
  }

  /**
   * Waits until the job is terminal (long-polling `/status-sync`) and returns its final status object, whatever
   * the outcome. Throws `GantryTimeoutError` (carrying the job id) when `timeout` ms pass first.
   */
  async wait(options: WaitOptions = {}): Promise<JobStatus<TOutput>> {
    const last = this.#last && isTerminal(this.#last.status) ? this.#last : undefined;
    return (await waitForJob(this.#ctx, { ...options, ...(last ? { last } : {}) })) as JobStatus<TOutput>;
  }

  /**
   * Waits like `wait()` and returns the job's output when it COMPLETED; throws `JobFailedError` (with the
   * status and the worker's error) when it ended FAILED, TIMED_OUT or CANCELLED.
   */
  async output(options: WaitOptions = {}): Promise<TOutput> {
    const final = await this.wait(options);
    if (final.status !== "COMPLETED") throw new JobFailedError(final);
    return final.output as TOutput;
  }

  /**
   * The chunks the handler yields, as they arrive (`for await (const chunk of job.stream())`). Ends when the
   * job ends, in any terminal state; read `wait()` or `lastStatus` afterwards for the outcome.
   */
  stream<TChunk = unknown>(options: StreamOptions = {}): AsyncGenerator<TChunk, void, undefined> {
    return streamJob(this.#ctx, options, () => this.#last) as AsyncGenerator<TChunk, void, undefined>;
  }

  /** Progress values while the job runs, each once per change; ends when the job ends. */
  progressUpdates<TProgress = unknown>(
    options: ProgressOptions = {},
  ): AsyncGenerator<TProgress, void, undefined> {
    return progressOf(this.#ctx, options, () => this.#last) as AsyncGenerator<TProgress, void, undefined>;
  }

  /**
   * Calls `listener` with each progress value until the job ends; returns a function that stops listening.
   * Errors that end the updates early go to `options.onError`.
   */
  onProgress<TProgress = unknown>(
    listener: (progress: TProgress) => void,
    options: ProgressListenerOptions = {},
  ): () => void {
    if (typeof listener !== "function") throw new TypeError("listener must be a function");
    const { onError, ...rest } = options;
    const { controller, dispose } = linkedController(options.signal);
    void (async () => {
      try {
        for await (const p of this.progressUpdates<TProgress>({ ...rest, signal: controller.signal }))
          listener(p);
      } catch (e) {
        if (!controller.signal.aborted) onError?.(e);
      } finally {
        dispose();
      }
    })();
    return () => controller.abort();
  }

  /** `POST /cancel/{id}`. Not retried automatically (RunPod rate-limits it tightly). */
  async cancel(options: RequestOptions = {}): Promise<JobAck> {
    const body = await this.#http.json({
      method: "POST",
      op: `cancel/${this.id}`,
      body: {},
      retry: false,
      ...signalOf(options),
    });
    return asJobAck(body, `cancel ${this.id}`);
  }

  /** `POST /retry/{id}`: requeues a FAILED or TIMED_OUT job under the same id. */
  async retry(options: RequestOptions = {}): Promise<JobAck> {
    const body = await this.#http.json({
      method: "POST",
      op: `retry/${this.id}`,
      body: {},
      retry: false,
      ...signalOf(options),
    });
    const ack = asJobAck(body, `retry ${this.id}`);
    this.#last = undefined;
    return ack;
  }
}

export const signalOf = (o: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } =>
  o.signal ? { signal: o.signal } : {};
