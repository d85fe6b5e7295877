import type { Logger } from "../logger.js";
import type { Job, JobLogger } from "../types.js";
import { errorText, type HttpReply, type ProtocolHttp } from "./http.js";
import type { JobResult } from "./job-phase.js";
import { postJson } from "./post-result.js";
import { type ReadyResult, ResultBatcher } from "./result-batch.js";
import { parseDoneTakeReply } from "./take-reply.js";
import type { ProtocolUrls } from "./urls.js";
import type { WorkerState } from "./worker-state.js";

export interface ResultPosterOptions {
  state: WorkerState;
  http: ProtocolHttp;
  urls: ProtocolUrls;
  log: Logger;
  /** Waits between attempts of a post. */
  retryDelaysMs: readonly number[];
  /** Aborted once the shutdown's grace period is over: posts give up waiting for their next attempt. */
  giveUp: AbortSignal;
  /** Holds the jobs a result post took (Gantry's `&take=`) as a job-take's. */
  accept: (jobs: readonly Job[]) => void;
}

/** One POST of the worker protocol, with what its log lines need. */
export interface PostRequest {
  jobId: string;
  url: string;
  body: unknown;
  log: JobLogger;
  /** What is posted, for the log lines: "result", "progress update", "stream chunk". */
  what: string;
  /** URL of the first attempt, when it differs from the retries' (a result post that also takes jobs). */
  firstUrl?: string;
  /** Called once, right after the first attempt, with its answer (undefined if it got none). */
  onFirstReply?: (reply: HttpReply | undefined) => void;
}

export interface ResultRequest {
  jobId: string;
  result: JobResult;
  log: JobLogger;
  /**
   * The job's slot was freed for this post: on Gantry the post may ask for jobs to fill the free slots. A result
   * that recycles the worker keeps its slot, and a stopped job's result asks for nothing.
   */
  slotFreed: boolean;
}

/**
 * Delivers what jobs send the platform: results (through job-done, or on Gantry together through
 * job-done-batch), stream chunks and progress updates, each retried on 5xx and connection errors.
 */
export class ResultPoster {
  readonly #o: ResultPosterOptions;
  #batcher: ResultBatcher | undefined;

  constructor(options: ResultPosterOptions) {
    this.#o = options;
  }

  /** Results wait in the batcher to be sent: the take loop waits for them rather than taking their slots. */
  get waiting(): boolean {
    return this.#batcher?.waiting ?? false;
  }

  /** Resolves once the result is delivered, refused or given up on (each outcome logged on the job's log). */
  async postResult(request: ResultRequest): Promise<void> {
    const { state } = this.#o;
    const { jobId, result, log, slotFreed } = request;
    // On Gantry results ready together share one job-done-batch; a stopPod result goes alone, as it always did.
    const batcher = state.gantry && result.body.stopPod !== true ? this.#resultBatcher() : undefined;
    // A batched result claims its slots when the batcher sends it, meanwhile the take loop waits for that.
    const take = slotFreed && !batcher ? state.claimTake() : 0;
    const ready: ReadyResult = { jobId, streamed: result.streamed, body: result.body, take, log };
    // Held alone, no other result can join this one by the end of the turn: it need not wait for the turn.
    const sent = batcher ? batcher.submit(ready, state.held.size === 1) : this.#postOne(ready, () => {});
    // Once the result is in the batcher (or its take claimed): the take loop then sees what it may still fill.
    if (slotFreed) state.changes.notify();
    await sent;
  }

  async postChunk(request: { jobId: string; chunk: unknown; log: JobLogger }): Promise<void> {
    const { jobId, chunk, log } = request;
    await this.post({
      jobId,
      url: this.#o.urls.streamUrl(jobId),
      body: { output: chunk },
      log,
      what: "stream chunk",
    });
  }

  async postProgress(request: { jobId: string; body: unknown; log: JobLogger }): Promise<void> {
    const { jobId, body, log } = request;
    await this.post({ jobId, url: this.#o.urls.doneUrl(jobId, false), body, log, what: "progress update" });
  }

  async post(request: PostRequest): Promise<void> {
    const { jobId, url, body, log, what, firstUrl, onFirstReply } = request;
    let text: string;
    try {
      text = JSON.stringify(body);
    } catch (thrown) {
      log.error(`Cannot send ${what}: not JSON-serialisable (${errorText(thrown)}).`);
      onFirstReply?.(undefined);
      return;
    }
    const outcome = await postJson(url, text, {
      http: this.#o.http,
      retryDelaysMs: this.#o.retryDelaysMs,
      signal: this.#o.giveUp,
      headers: { "x-request-id": jobId },
      ...(firstUrl !== undefined ? { firstUrl } : {}),
      ...(onFirstReply !== undefined ? { onFirstReply } : {}),
      onRetry: (attempt, reason, wait) =>
        log.warn(`Posting ${what} failed (${reason}); retry ${attempt} in ${wait} ms.`),
    });
    if (outcome.status === "rejected") log.error(`Platform refused the ${what} (${outcome.detail}).`);
    else if (outcome.status === "failed") log.error(`Failed to return job ${what} (${outcome.detail}).`);
  }

  /** One result through job-done, asking for `take` jobs on its first attempt. */
  #postOne(result: ReadyResult, onFirstReply: () => void): Promise<void> {
    const { jobId, streamed, body, take, log } = result;
    const url = this.#o.urls.doneUrl(jobId, streamed);
    if (take === 0) return this.post({ jobId, url, body, log, what: "result", onFirstReply });
    // Built whole, not spread from the plain request: this runs for every result.
    return this.post({
      jobId,
      url,
      body,
      log,
      what: "result",
      firstUrl: this.#o.urls.doneUrl(jobId, streamed, take),
      onFirstReply: (reply) => {
        this.#tookOnDone(take, reply);
        onFirstReply();
      },
    });
  }

  /** Created on the first Gantry result; undefined when the job-done template gives no batch URL. */
  #resultBatcher(): ResultBatcher | undefined {
    const { urls, state } = this.#o;
    const batchUrl = urls.doneBatchUrl();
    if (batchUrl === undefined) return undefined;
    this.#batcher ??= new ResultBatcher({
      http: this.#o.http,
      retryDelaysMs: this.#o.retryDelaysMs,
      signal: this.#o.giveUp,
      batchUrl: (take) => urls.doneBatchUrl(take) ?? batchUrl,
      postOne: (result, onFirstReply) => this.#postOne(result, onFirstReply),
      claimTake: () => {
        const take = state.claimTake();
        // The take loop waited for these results; what is left of the free slots is its to fill.
        state.changes.notify();
        return take;
      },
      tookJobs: (take, reply) => this.#tookOnDone(take, reply),
    });
    return this.#batcher;
  }

  /**
   * The first answer of a result post that asked for `take` jobs: its jobs are accepted as a job-take's, and the
   * slots go back to the take loop either way (an empty, refused or failed answer sends it back to job-take).
   */
  #tookOnDone(take: number, reply: HttpReply | undefined): void {
    const outcome = reply === undefined ? undefined : parseDoneTakeReply(reply);
    this.#o.state.reservedSlots -= take;
    if (outcome?.kind === "jobs") {
      for (const reason of outcome.rejected) this.#o.log.error(`Failed to get job. ${reason}`);
      if (outcome.jobs.length > 0) this.#o.accept(outcome.jobs);
    }
    this.#o.state.changes.notify();
  }
}
