import { delay, type HttpReply, type ProtocolHttp } from "./http.js";

export interface PostOutcome {
  status: "delivered" | "rejected" | "failed";
  /** Last HTTP status or error, for the log line. */
  detail: string;
  /** The answer that settled the post (delivered or rejected); a batch reads its per-item results there. */
  reply?: HttpReply;
}

/**
 * Waits between attempts of a result post: about a minute in all. Python gives up after two short retries
 * on 5xx and none on connection errors, losing the result; a platform restarting for a few seconds
 * should not cost finished work.
 */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [2000, 4000, 8000, 16_000, 30_000];

export interface PostOptions {
  http: ProtocolHttp;
  retryDelaysMs: readonly number[];
  /** Aborting gives up waiting between retries (used when a shutdown's grace period runs out). */
  signal?: AbortSignal;
  onRetry?: (attempt: number, reason: string, waitMs: number) => void;
  headers?: Record<string, string>;
  /**
   * URL of the first attempt only: a Gantry result post asks for new jobs there (`&take=`). Retries go to `url`,
   * since the slots that take was for are handed back to the take loop as soon as the first attempt fails.
   */
  firstUrl?: string;
  /** Called once, right after the first attempt, with its answer (undefined if it got none). */
  onFirstReply?: (reply: HttpReply | undefined) => void;
}

const POST_TIMEOUT_MS = 60_000;

/**
 * POSTs a JSON body, retrying 5xx answers and connection errors. A 4xx means the platform refuses this
 * result (unknown or already finished job); retrying cannot change that.
 */
export async function postJson(url: string, body: string, options: PostOptions): Promise<PostOutcome> {
  for (let attempt = 0; ; attempt++) {
    let reply: HttpReply | undefined;
    let reason = "";
    try {
      reply = await options.http.send(attempt === 0 ? (options.firstUrl ?? url) : url, {
        method: "POST",
        body,
        timeoutMs: POST_TIMEOUT_MS,
        ...(options.headers ? { headers: options.headers } : {}),
      });
    } catch (thrown) {
      reason = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
    }
    if (attempt === 0) options.onFirstReply?.(reply);
    if (reply) {
      if (reply.status < 400) return { status: "delivered", detail: `HTTP ${reply.status}`, reply };
      // A 400 to the first attempt may refuse only its extra parameters (a `take` above the platform's batch
      // limit), checked before the result is applied: the plain post follows at once rather than losing it.
      if (reply.status === 400 && attempt === 0 && options.firstUrl !== undefined) continue;
      if (reply.status < 500) return { status: "rejected", detail: `HTTP ${reply.status}`, reply };
      reason = `HTTP ${reply.status}`;
    }
    const wait = options.retryDelaysMs[attempt];
    if (wait === undefined || options.signal?.aborted) return { status: "failed", detail: reason };
    options.onRetry?.(attempt + 1, reason, wait);
    await delay(wait, options.signal);
    if (options.signal?.aborted) return { status: "failed", detail: reason };
  }
}
