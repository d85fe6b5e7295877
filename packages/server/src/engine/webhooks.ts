/**
 * Webhook delivery from the store's outbox (see docs/api.md on webhooks): POST the final status object plus
 * `input` and `webhook`; a 2xx answer counts as delivered; otherwise retry `attempts` times in all,
 * `delayMs` apart. The outbox row is claimed before each attempt, so a crash mid-attempt means a retry
 * after restart (at-least-once delivery).
 */
import { createHmac } from "node:crypto";
import { request } from "undici";
import type { WebhookDelivery, WebhookOutbox } from "../store/webhook-outbox.js";
import type { EngineLogger } from "./logger.js";
import { webhookPayload } from "./view.js";

export interface WebhookOptions {
  /** Attempts in all (RunPod: 3). */
  attempts: number;
  /** Pause between attempts (RunPod: 10 s). */
  delayMs: number;
  /** Per-attempt bound on connecting and waiting for the answer. */
  timeoutMs: number;
  /** When set, each POST carries `X-Gantry-Signature: sha256=<hex HMAC-SHA256 of the body>`. */
  secret?: string;
}

export const SIGNATURE_HEADER = "x-gantry-signature";

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export class WebhookDispatcher {
  private readonly inFlight = new Map<number, AbortController>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private pumping: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly options: WebhookOptions,
    private readonly clock: () => number,
    private readonly log: EngineLogger,
  ) {}

  /** Delivers whatever is due now; coalesces calls that arrive while a pass is running. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped);
      } catch (err) {
        this.log.error({ err }, "webhook pass failed");
      } finally {
        this.pumping = undefined;
      }
    })();
    return this.pumping;
  }

  /** Waits for every running attempt (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pumping || this.inFlight.size > 0) {
      await this.pumping;
      await new Promise((r) => setImmediate(r));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.inFlight.values()) c.abort();
    await this.idle();
  }

  private async pass(): Promise<void> {
    const now = this.clock();
    const due = await this.outbox.due(now, 100);
    for (const d of due) {
      if (this.inFlight.has(d.id) || this.stopped) continue;
      const claimed = await this.outbox.claim(d.id, now, now + this.options.timeoutMs + this.options.delayMs);
      if (!claimed) continue;
      const ctl = new AbortController();
      this.inFlight.set(d.id, ctl);
      void this.attempt(claimed, ctl.signal).finally(() => this.inFlight.delete(d.id));
    }
  }

  private async attempt(d: WebhookDelivery, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(webhookPayload(d.job, this.clock()));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "Gantry-Webhook",
    };
    if (this.options.secret) headers[SIGNATURE_HEADER] = signBody(this.options.secret, body);
    let error: string;
    try {
      const res = await request(d.url, {
        method: "POST",
        headers,
        body,
        signal,
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        await this.outbox.delivered(d.id, this.clock());
        this.log.debug({ jobId: d.jobId, attempt: d.attempts }, "webhook delivered");
        return;
      }
      error = `HTTP ${res.statusCode}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    if (this.stopped) return; // the claim's retry time stands; a restart resumes it
    const now = this.clock();
    if (d.attempts >= this.options.attempts) {
      await this.outbox.failed({ id: d.id, now, error });
      this.log.warn(
        { jobId: d.jobId, url: loggableUrl(d.url), attempts: d.attempts, error },
        "webhook delivery gave up",
      );
      return;
    }
    await this.outbox.failed({ id: d.id, now, error, retryAt: now + this.options.delayMs });
    this.log.info({ jobId: d.jobId, attempt: d.attempts, error }, "webhook attempt failed; will retry");
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.kick();
    }, this.options.delayMs);
    t.unref();
    this.timers.add(t);
  }
}

/** A client's webhook URL may carry a token (query string, user info): logs get origin and path only. */
export function loggableUrl(url: string): string {
  try {
    const u = new URL(url);
    const hidden = u.search !== "" || u.username !== "" || u.password !== "";
    return `${u.protocol}//${u.host}${u.pathname}${hidden ? "?[redacted]" : ""}`;
  } catch {
    return "[invalid url]";
  }
}
