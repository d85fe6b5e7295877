/**
 * Gantry extension (docs/protocol.md §13): results that become ready together go in one `job-done-batch` request. At high
 * concurrency short jobs taken in one batch finish together, and one job-done each costs the platform far more in
 * HTTP handling than in applying the result. Used only against a server that sent `X-Gantry-Version`.
 *
 * Like Nagle's algorithm, it never waits on a timer: the first result goes out in the check phase of the turn it
 * became ready in (so results of the same turn join it), and results that become ready while a post's first
 * attempt is in flight go together as soon as it is answered. A result the runtime knows is alone (no other job
 * held, so none can join it) goes out at once, without that turn. A lone result goes through job-done, as
 * without batching.
 */
import type { JobLogger, ResultBody } from "../types.js";
import type { HttpReply, ProtocolHttp } from "./http.js";
import { postJson } from "./post-result.js";

/**
 * Bound on one batch body, far under any endpoint's result limit (20 MB by default), which bounds a batch on the
 * platform; a result bigger than this goes alone through job-done, which handles an oversized result its own way.
 */
export const MAX_BATCH_BYTES = 256 * 1024;
/** Bound on results per batch, under the platform's default batch limit (1000). */
export const MAX_BATCH_ITEMS = 64;

export interface ReadyResult {
  jobId: string;
  streamed: boolean;
  body: ResultBody;
  /** Jobs its job-done may ask for (`&take=`); the batcher sets it when it posts the result. */
  take: number;
  log: JobLogger;
}

interface Pending extends ReadyResult {
  /**
   * The batch item's JSON, made only when the result may join others (a result that goes alone is serialised
   * once, by job-done); null when it must go alone (not serialisable, or too large).
   */
  text?: string | null;
  settle: () => void;
}

export interface ResultBatcherOptions {
  http: ProtocolHttp;
  retryDelaysMs: readonly number[];
  /** Aborting gives up waiting between retries, as for a single post. */
  signal: AbortSignal;
  /** The job-done-batch URL, with `&take=` when `take` > 0. */
  batchUrl: (take: number) => string;
  /**
   * Posts one result through job-done (asking for `result.take` jobs), logging its outcome; calls `onFirstReply`
   * once, after the first attempt; resolves once the post settles.
   */
  postOne: (result: ReadyResult, onFirstReply: () => void) => Promise<void>;
  /**
   * Reserves the slots the post being sent may fill with new jobs (0 for none): asked when the post goes out,
   * not when the result became ready, so slots freed by results delivered meanwhile count too.
   */
  claimTake: () => number;
  /** The first answer of a batch that asked for `take` jobs (undefined if it got none), as for a single post. */
  tookJobs: (take: number, reply: HttpReply | undefined) => void;
}

interface ItemResult {
  id?: unknown;
  ok?: unknown;
  status?: unknown;
  error?: unknown;
}

export class ResultBatcher {
  readonly #o: ResultBatcherOptions;
  readonly #pending: Pending[] = [];
  #scheduled = false;
  /** A post's first attempt is out: results becoming ready meanwhile wait for it and go together. */
  #sending = false;
  /** The platform answered a batch 404 (a Gantry without the route): every result goes alone from then on. */
  #unsupported = false;

  constructor(options: ResultBatcherOptions) {
    this.#o = options;
  }

  /**
   * Results wait to be sent (this turn, or once the post in flight answers): the runtime's take loop waits for
   * them rather than taking the slots they will ask for, as it leaves a single post's slots alone.
   */
  get waiting(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * Resolves once the result is delivered, refused or given up on; each outcome is logged on the job's logger.
   * `alone`: the worker holds no other job, so no result can join this one by the end of the turn.
   */
  submit(result: ReadyResult, alone = false): Promise<void> {
    return new Promise<void>((settle) => {
      this.#pending.push({ ...result, settle });
      if (alone && !this.#scheduled) this.#flush();
      else this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#sending || this.#scheduled || this.#pending.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (this.#sending || this.#pending.length === 0) return;
    const batch = this.#nextBatch();
    this.#sending = true;
    const take = this.#o.claimTake();
    let answered = false;
    const firstReplied = (): void => {
      if (answered) return;
      answered = true;
      this.#sending = false;
      this.#schedule();
    };
    const sent =
      batch.length === 1
        ? this.#sendOne(batch[0] as Pending, take, firstReplied)
        : this.#sendBatch(batch, take, firstReplied);
    // Whatever happened, the next results must not wait forever behind this post.
    void sent.finally(firstReplied);
  }

  /** The oldest result, with as many later batchable ones as the bounds allow. */
  #nextBatch(): Pending[] {
    const first = this.#pending[0] as Pending;
    if (this.#unsupported || this.#pending.length === 1 || textOf(first) === null)
      return this.#pending.splice(0, 1);
    const batch: Pending[] = [];
    let bytes = 2;
    for (let i = 0; i < this.#pending.length && batch.length < MAX_BATCH_ITEMS; ) {
      const item = this.#pending[i] as Pending;
      const text = textOf(item);
      const size = text === null ? Number.POSITIVE_INFINITY : Buffer.byteLength(text) + 1;
      if (bytes + size > MAX_BATCH_BYTES) {
        i++;
        continue;
      }
      bytes += size;
      batch.push(item);
      this.#pending.splice(i, 1);
    }
    return batch;
  }

  async #sendOne(item: Pending, take: number, onFirstReply: () => void): Promise<void> {
    try {
      await this.#o.postOne({ ...item, take }, onFirstReply);
    } finally {
      item.settle();
    }
  }

  async #sendBatch(items: Pending[], take: number, onFirstReply: () => void): Promise<void> {
    try {
      const outcome = await postJson(this.#o.batchUrl(0), `[${items.map((i) => i.text).join(",")}]`, {
        http: this.#o.http,
        retryDelaysMs: this.#o.retryDelaysMs,
        signal: this.#o.signal,
        ...(take > 0 ? { firstUrl: this.#o.batchUrl(take) } : {}),
        onFirstReply: (reply) => {
          if (take > 0) this.#o.tookJobs(take, reply);
          onFirstReply();
        },
        onRetry: (attempt, reason, wait) => {
          for (const item of items) {
            item.log.warn(
              `Posting result (batch of ${items.length}) failed (${reason}); retry ${attempt} in ${wait} ms.`,
            );
          }
        },
      });
      if (outcome.status === "failed") {
        for (const item of items) item.log.error(`Failed to return job result (${outcome.detail}).`);
      } else if (outcome.status === "rejected") {
        // A whole-request refusal applied nothing: each result goes alone, so each gets job-done's own answer.
        if (outcome.reply?.status === 404) this.#unsupported = true;
        await Promise.all(items.map((item) => this.#o.postOne({ ...item, take: 0 }, () => {})));
      } else {
        logItemResults(items, outcome.reply?.text ?? "");
      }
    } finally {
      for (const item of items) item.settle();
    }
  }
}

function textOf(item: Pending): string | null {
  if (item.text === undefined) item.text = itemText(item);
  return item.text;
}

function itemText(result: ReadyResult): string | null {
  let text: string;
  try {
    text = JSON.stringify({
      id: result.jobId,
      ...(result.streamed ? { isStream: true } : {}),
      ...result.body,
    });
  } catch {
    // job-done reports the serialisation error on the job's log.
    return null;
  }
  return Buffer.byteLength(text) + 2 > MAX_BATCH_BYTES ? null : text;
}

/** Logs each refused result as a refused single post is logged. */
function logItemResults(items: readonly Pending[], text: string): void {
  let results: ItemResult[] = [];
  try {
    const payload: unknown = JSON.parse(text);
    if (
      payload !== null &&
      typeof payload === "object" &&
      Array.isArray((payload as { results?: unknown }).results)
    ) {
      results = (payload as { results: ItemResult[] }).results;
    }
  } catch {
    // An answer without results: nothing to report per item.
  }
  const byId = new Map<unknown, ItemResult>();
  for (const r of results) if (r !== null && typeof r === "object") byId.set(r.id, r);
  for (const item of items) {
    const r = byId.get(item.jobId);
    if (r === undefined)
      item.log.warn("Platform accepted the result batch without an answer for this result.");
    else if (r.ok !== true) {
      item.log.error(
        `Platform refused the result (HTTP ${String(r.status)}: ${String(r.error).slice(0, 200)}).`,
      );
    }
  }
}
