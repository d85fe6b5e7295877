/**
 * Async handler doing concurrent I/O: fetches every URL of `input.urls` at the same time
 * (`Promise.all`, the counterpart of Python's `asyncio.gather`) and returns the bodies in input order.
 * The job's AbortSignal is passed to every request, so cancelling the job cancels the downloads.
 */
import { type HandlerContext, type Job, start } from "@gantry/worker";

interface FetchInput {
  urls?: unknown;
  timeout_ms?: unknown;
}

const MAX_URLS = 50;

function parseUrls(urls: unknown): URL[] | string {
  if (!Array.isArray(urls) || urls.length === 0) return "urls must be a non-empty array";
  if (urls.length > MAX_URLS) return `urls exceeds limit of ${MAX_URLS}`;
  const parsed: URL[] = [];
  for (const [i, raw] of urls.entries()) {
    if (typeof raw !== "string" || !URL.canParse(raw)) return `urls[${i}] is not a valid URL`;
    const url = new URL(raw);
    if (url.protocol !== "http:" && url.protocol !== "https:") return `urls[${i}] must be http or https`;
    parsed.push(url);
  }
  return parsed;
}

async function fetchUrl(url: URL, signal: AbortSignal): Promise<string> {
  const response = await fetch(url, { signal });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.text();
}

async function handler(job: Job<FetchInput>, ctx: HandlerContext) {
  const { urls, timeout_ms: timeoutMs = 10_000 } = job.input;
  const parsed = parseUrls(urls);
  if (typeof parsed === "string") return { error: parsed };
  if (typeof timeoutMs !== "number" || !(timeoutMs > 0))
    return { error: "timeout_ms must be a positive number" };

  // One signal for all requests: the job's own (cancel, execution timeout) or our per-job deadline.
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]);
  const started = performance.now();
  const results = await Promise.all(parsed.map((url) => fetchUrl(url, signal)));
  ctx.log.debug(`fetched ${results.length} URLs in ${Math.round(performance.now() - started)} ms`);

  return { results };
}

start({ handler });
