/**
 * One place that talks HTTP: URL building, auth, per-request timeouts, error mapping and retries with
 * exponential backoff + full jitter (honouring `Retry-After`). fetch-based so it runs in browsers too.
 */
import { backoffDelay, parseRetryAfter } from "./backoff.js";
import type { ResolvedConfig } from "./config.js";
import { GantryError, GantryHttpError, GantryNetworkError, GantryTimeoutError } from "./errors.js";
import { abortReason, linkedController, sleep } from "./sleep.js";

/** A server asking for a longer pause than this is treated as refusing; the error goes to the caller. */
const MAX_RETRY_AFTER_MS = 60_000;

export interface RequestSpec {
  method: "GET" | "POST";
  /** The path after `/{endpointId}/`, e.g. `status/abc`. */
  op: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Whether repeating the call is safe (idempotent reads, or a submit carrying an idempotency key). */
  retry: boolean;
  /** ms the server may hold the request (long-poll `wait`), added to the request timeout. */
  holdMs?: number;
  signal?: AbortSignal;
  /** Epoch ms after which no retry is started. */
  deadline?: number;
}

export interface OpenStream {
  response: Response;
  /** Aborts the underlying request (ends the body). */
  close(): void;
}

export function isRetryable(e: unknown): boolean {
  if (e instanceof GantryNetworkError || e instanceof GantryTimeoutError) return true;
  if (e instanceof GantryHttpError)
    return e.status === 408 || e.status === 429 || (e.status >= 500 && e.status !== 501);
  return false;
}

export class HttpClient {
  /** Set from the `X-Gantry-Version` header once any answer carried it: the server is Gantry, not RunPod. */
  gantryVersion: string | undefined;

  constructor(readonly config: ResolvedConfig) {}

  url(op: string, query?: RequestSpec["query"]): string {
    let url = `${this.config.baseUrl}/${this.config.endpointId}/${op}`;
    const params = Object.entries(query ?? {}).filter(
      (e): e is [string, string | number] => e[1] !== undefined,
    );
    if (params.length > 0)
      url += `?${params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join("&")}`;
    return url;
  }

  /** Sends the request (retrying when allowed) and returns the parsed JSON body of the 2xx answer. */
  async json(spec: RequestSpec): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.once(spec, false, readJson);
      } catch (e) {
        if (spec.signal?.aborted) throw e;
        const delay = this.retryDelay(spec, e, attempt);
        if (delay === undefined) throw e;
        await sleep(delay, spec.signal);
      }
    }
  }

  /** One attempt whose body is left open for the caller (server-sent events). The timeout covers the headers. */
  open(spec: RequestSpec): Promise<OpenStream> {
    return this.once(spec, true, async (response, close) => ({ response, close }));
  }

  /** ms to wait before the next attempt, or undefined when the error must go to the caller. */
  retryDelay(spec: Pick<RequestSpec, "retry" | "deadline">, e: unknown, attempt: number): number | undefined {
    if (!spec.retry || attempt >= this.config.retry.retries || !isRetryable(e)) return undefined;
    const hinted = e instanceof GantryHttpError ? e.retryAfterMs : undefined;
    const delay = hinted ?? backoffDelay(this.config.retry, attempt);
    if (delay > MAX_RETRY_AFTER_MS) return undefined;
    if (spec.deadline !== undefined && Date.now() + delay >= spec.deadline) return undefined;
    return delay;
  }

  private async once<T>(
    spec: RequestSpec,
    keepOpen: boolean,
    read: (res: Response, close: () => void) => Promise<T>,
  ): Promise<T> {
    const url = this.url(spec.op, spec.query);
    const { controller, dispose } = linkedController(spec.signal);
    const limitMs = this.config.timeoutMs + (spec.holdMs ?? 0);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, limitMs);
    const close = () => {
      clearTimeout(timer);
      dispose();
      controller.abort();
    };
    const fail = (e: unknown): unknown => {
      if (e instanceof GantryError) return e;
      if (spec.signal?.aborted) return abortReason(spec.signal);
      if (timedOut)
        return new GantryTimeoutError(
          `${spec.method} ${url.split("?")[0]} got no answer within ${limitMs} ms`,
          {
            timeoutMs: limitMs,
          },
        );
      return new GantryNetworkError({ method: spec.method, url, cause: e });
    };
    let handedOver = false;
    try {
      const headers: Record<string, string> = { accept: "application/json", ...spec.headers };
      if (this.config.apiKey !== undefined) headers.authorization = `Bearer ${this.config.apiKey}`;
      let body: string | undefined;
      if (spec.body !== undefined) {
        body = JSON.stringify(spec.body);
        headers["content-type"] = "application/json";
      }
      const res = await this.config.fetch(url, {
        method: spec.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: controller.signal,
      });
      const gantry = res.headers.get("x-gantry-version");
      if (gantry) this.gantryVersion = gantry;
      if (!res.ok) {
        const errorBody = await readBody(res).catch(() => undefined);
        throw new GantryHttpError({
          status: res.status,
          body: errorBody,
          method: spec.method,
          url,
          ...optional("retryAfterMs", parseRetryAfter(res.headers.get("retry-after"))),
        });
      }
      if (keepOpen) {
        clearTimeout(timer);
        handedOver = true;
      }
      return await read(res, close);
    } catch (e) {
      throw fail(e);
    } finally {
      if (!handedOver) {
        clearTimeout(timer);
        dispose();
      }
    }
  }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new GantryError(`${res.url || "response"}: body is not JSON: ${text.slice(0, 200)}`);
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
