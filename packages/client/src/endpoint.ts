/**
 * `Endpoint`: the client of one queue endpoint (`{baseUrl}/{endpointId}/…`). Works against RunPod's cloud and
 * against Gantry unchanged; Gantry's extensions (idempotency keys, server-sent events) degrade gracefully.
 */
import { parsePolicy, parseWebhookUrl } from "@gantry/protocol";
import { valid } from "./arguments.js";
import { checkId, type ResolvedConfig, resolveConfig } from "./config.js";
import { GantryError, GantryTimeoutError } from "./errors.js";
import { HttpClient } from "./http.js";
import { checkIdempotencyKey, newIdempotencyKey } from "./idempotency.js";
import { Job, type RequestOptions, signalOf } from "./job.js";
import { clamp, MAX_CLIENT_WAIT_MS, MIN_WAIT_MS, type TransportMemory } from "./job-context.js";
import { asJobStatus, isObject, isTerminal, preview } from "./status.js";
import type {
  EndpointOptions,
  HealthStatus,
  JobAck,
  JobStatus,
  PurgeQueueResult,
  RunOptions,
  RunSyncOptions,
} from "./types.js";

const DEFAULT_RUNSYNC_TIMEOUT_MS = 90_000;

export class Endpoint<TInput = unknown, TOutput = unknown> {
  readonly id: string;
  #config: ResolvedConfig;
  #http: HttpClient;
  #transport: TransportMemory = {};

  constructor(id: string, options: EndpointOptions = {}) {
    this.#config = resolveConfig(id, options);
    this.id = id;
    this.#http = new HttpClient(this.#config);
  }

  /** The resolved prefix, e.g. `https://api.runpod.ai/v2` (no trailing slash). */
  get baseUrl(): string {
    return this.#config.baseUrl;
  }

  /**
   * The Gantry version the server announced (`X-Gantry-Version`) in any answer so far; undefined before the
   * first call and on RunPod's cloud.
   */
  get serverVersion(): string | undefined {
    return this.#http.gantryVersion;
  }

  /** `POST /run`: queues a job and returns it at once. */
  async run(input: TInput, options: RunOptions = {}): Promise<Job<TOutput>> {
    const { body, headers } = submission(input, options);
    const answer = await this.#http.json({
      method: "POST",
      op: "run",
      body,
      headers,
      // Safe to repeat: the idempotency key makes a second submission return the first job.
      retry: true,
      ...signalOf(options),
    });
    const first = asJobStatus(answer, "run");
    return new Job<TOutput>(this.#http, this.#transport, checkId("job", first.id), first);
  }

  /**
   * Runs a job and waits for its end: `POST /runsync?wait=…`, then `/status-sync` long-polls if the server
   * answered before the job ended. Returns the final status object, `error` included. When `timeout` (default
   * 90 s) passes first, throws `GantryTimeoutError` whose `jobId` names the still-running job.
   */
  async runSync(input: TInput, options: RunSyncOptions = {}): Promise<JobStatus<TOutput>> {
    const { timeout = DEFAULT_RUNSYNC_TIMEOUT_MS, ...runOptions } = options;
    if (typeof timeout !== "number" || !(timeout > 0))
      throw new TypeError(`timeout must be a positive number of ms, got ${JSON.stringify(timeout)}`);
    const { body, headers } = submission(input, runOptions);
    const startedAt = Date.now();
    const wait = Math.round(clamp(Math.min(timeout, MAX_CLIENT_WAIT_MS), MIN_WAIT_MS, MAX_CLIENT_WAIT_MS));
    // Not bound by `timeout`: cutting this request short would lose the job id the answer carries.
    const answer = await this.#http.json({
      method: "POST",
      op: "runsync",
      query: { wait },
      body,
      headers,
      retry: true,
      holdMs: wait,
      ...signalOf(runOptions),
    });
    const first = asJobStatus(answer, "runsync") as JobStatus<TOutput>;
    if (isTerminal(first.status)) return first;
    const job = new Job<TOutput>(this.#http, this.#transport, checkId("job", first.id), first);
    const timedOut = (last: JobStatus<TOutput>) =>
      new GantryTimeoutError(
        `job ${first.id} did not finish within ${timeout} ms (last status ${last.status})`,
        {
          timeoutMs: timeout,
          jobId: first.id,
          lastStatus: last,
        },
      );
    const left = startedAt + timeout - Date.now();
    if (left <= 0) throw timedOut(first);
    try {
      return await job.wait({ timeout: left, ...signalOf(runOptions) });
    } catch (e) {
      // Report the caller's timeout, not the remainder this wait was given.
      if (e instanceof GantryTimeoutError && e.jobId === first.id) throw timedOut(job.lastStatus ?? first);
      throw e;
    }
  }

  /** A handle on an existing job (no request is made). */
  job(jobId: string): Job<TOutput> {
    return new Job<TOutput>(this.#http, this.#transport, checkId("job", jobId));
  }

  /** `GET /status/{id}`. */
  status(jobId: string, options: RequestOptions = {}): Promise<JobStatus<TOutput>> {
    return this.job(jobId).status(options);
  }

  /** `POST /cancel/{id}`. */
  cancel(jobId: string, options: RequestOptions = {}): Promise<JobAck> {
    return this.job(jobId).cancel(options);
  }

  /** `POST /retry/{id}`. */
  retry(jobId: string, options: RequestOptions = {}): Promise<JobAck> {
    return this.job(jobId).retry(options);
  }

  /** `GET /health`: job counters and worker states. */
  async health(options: RequestOptions = {}): Promise<HealthStatus> {
    const body = await this.#http.json({ method: "GET", op: "health", retry: true, ...signalOf(options) });
    if (!isObject(body) || !isObject(body.jobs) || !isObject(body.workers))
      throw new GantryError(`health: unexpected response ${preview(body)}; expected {"jobs", "workers"}`);
    return body as unknown as HealthStatus;
  }

  /** `POST /purge-queue`: drops every queued job (running ones continue). Not retried automatically. */
  async purgeQueue(options: RequestOptions = {}): Promise<PurgeQueueResult> {
    const body = await this.#http.json({
      method: "POST",
      op: "purge-queue",
      body: {},
      retry: false,
      ...signalOf(options),
    });
    if (!isObject(body) || typeof body.removed !== "number")
      throw new GantryError(
        `purge-queue: unexpected response ${preview(body)}; expected {"removed", "status"}`,
      );
    return body as unknown as PurgeQueueResult;
  }
}

function submission(
  input: unknown,
  options: RunOptions,
): { body: Record<string, unknown>; headers: Record<string, string> } {
  if (input === undefined) throw new TypeError("input is required (pass null for a job without input)");
  if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
  // Checked by the server's own validators: what it would refuse fails here, before any request.
  const body: Record<string, unknown> = { input };
  if (options.webhook !== undefined)
    body.webhook = valid(parseWebhookUrl(options.webhook), "webhook", options.webhook);
  if (options.policy !== undefined) {
    valid(parsePolicy(options.policy), "policy", options.policy);
    // Sent as given: keys this version does not know (RunPod may add some) still reach the server.
    body.policy = options.policy;
  }
  if (options.s3Config !== undefined) {
    if (!isObject(options.s3Config)) throw new TypeError("s3Config must be an object");
    body.s3Config = options.s3Config;
  }
  const key =
    options.idempotencyKey === undefined ? newIdempotencyKey() : checkIdempotencyKey(options.idempotencyKey);
  return { body, headers: { "idempotency-key": key } };
}
