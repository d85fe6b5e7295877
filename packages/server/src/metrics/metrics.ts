/**
 * Prometheus metrics of one server, in their own Registry so several servers in one process (tests, the dev
 * command) never share counters. Gauges are read from the platform at scrape time; histograms are fed by the
 * engine's hooks (job taken → delay, job terminal → execution time).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { HealthView, Platform } from "../engine/platform.js";

/** Seconds; spans a warm sub-second job to a cold start of several minutes. */
const DELAY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const EXECUTION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

/** A scrape reads every gauge; they share one health snapshot per endpoint instead of one each. */
const SNAPSHOT_TTL_MS = 500;

type JobCounters = HealthView["jobs"];
type WorkerCounters = HealthView["workers"];

export class GantryMetrics {
  readonly registry = new Registry();
  private readonly httpRequests: Counter<"method" | "route" | "status">;
  private readonly delay: Histogram<"endpoint">;
  private readonly execution: Histogram<"endpoint" | "status">;
  private readonly finished: Counter<"endpoint" | "status">;
  private source: { platform: Platform; endpointIds: () => readonly string[] } | undefined;
  private snapshot: { at: number; value: Promise<Map<string, HealthView>> } | undefined;

  constructor() {
    const registers = [this.registry];
    this.httpRequests = new Counter({
      name: "gantry_http_requests_total",
      help: "HTTP requests answered, by method, route template and status code.",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.delay = new Histogram({
      name: "gantry_job_delay_seconds",
      help: "Time from submission until a worker took the job (includes cold start).",
      labelNames: ["endpoint"],
      buckets: DELAY_BUCKETS,
      registers,
    });
    this.execution = new Histogram({
      name: "gantry_job_execution_seconds",
      help: "Time from pickup until the job reached a terminal state.",
      labelNames: ["endpoint", "status"],
      buckets: EXECUTION_BUCKETS,
      registers,
    });
    this.finished = new Counter({
      name: "gantry_jobs_finished_total",
      help: "Jobs that reached a terminal state, by status.",
      labelNames: ["endpoint", "status"],
      registers,
    });
    const self = this;
    new Gauge({
      name: "gantry_queue_depth",
      help: "Jobs waiting in the queue (IN_QUEUE).",
      labelNames: ["endpoint"],
      registers,
      async collect() {
        this.reset();
        for (const [ep, h] of await self.health()) this.set({ endpoint: ep }, h.jobs.inQueue);
      },
    });
    new Gauge({
      name: "gantry_jobs",
      help: "Jobs known to the platform, by state (counters of /health).",
      labelNames: ["endpoint", "state"],
      registers,
      async collect() {
        this.reset();
        for (const [ep, h] of await self.health()) {
          for (const [state, n] of Object.entries(h.jobs) as [keyof JobCounters, number][]) {
            this.set({ endpoint: ep, state }, n);
          }
        }
      },
    });
    new Gauge({
      name: "gantry_workers",
      help: "Workers by state (counters of /health).",
      labelNames: ["endpoint", "state"],
      registers,
      async collect() {
        this.reset();
        for (const [ep, h] of await self.health()) {
          for (const [state, n] of Object.entries(h.workers) as [keyof WorkerCounters, number][]) {
            this.set({ endpoint: ep, state }, n);
          }
        }
      },
    });
  }

  /** Where the gauges read from; without it they stay empty. */
  watch(platform: Platform, endpointIds: () => readonly string[]): void {
    this.source = { platform, endpointIds };
  }

  observeHttp(method: string, route: string, status: number): void {
    this.httpRequests.inc({ method, route, status: String(status) });
  }

  observeTaken(endpointId: string, delayMs: number): void {
    if (Number.isFinite(delayMs) && delayMs >= 0)
      this.delay.observe({ endpoint: endpointId }, delayMs / 1000);
  }

  observeTerminal(endpointId: string, status: string, executionMs?: number): void {
    this.finished.inc({ endpoint: endpointId, status });
    if (executionMs !== undefined && Number.isFinite(executionMs) && executionMs >= 0) {
      this.execution.observe({ endpoint: endpointId, status }, executionMs / 1000);
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  private health(): Promise<Map<string, HealthView>> {
    const now = Date.now();
    if (this.snapshot && now - this.snapshot.at < SNAPSHOT_TTL_MS) return this.snapshot.value;
    const source = this.source;
    const value = (async () => {
      const out = new Map<string, HealthView>();
      if (!source) return out;
      for (const ep of source.endpointIds()) {
        try {
          out.set(ep, await source.platform.health(ep));
        } catch {
          // one endpoint failing must not blank the whole scrape
        }
      }
      return out;
    })();
    this.snapshot = { at: now, value };
    return value;
  }
}
