/**
 * A stand-in platform for protocol tests: a real HTTP server on loopback that long-polls job-take and
 * job-stop like Gantry does, and records every request (method, path, query, headers, body) so tests can
 * assert the exact wire traffic of docs/protocol.md.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. `/v2/ep1/job-done/wkr1/J1`. */
  path: string;
  /** The raw query string without `?`, byte for byte as sent. */
  query: string;
  params: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: string;
  /** Route name: take, take-batch, stop, done, done-batch, stream, ping, or other. */
  route: string;
  /** Worker id and job id taken from the path. */
  workerId?: string;
  jobId?: string;
  at: number;
}

export interface CannedReply {
  status: number;
  /** Answer only after this long (a slow platform). */
  delayMs?: number;
  /** Answer only once this settles (a platform the test holds back). */
  until?: Promise<unknown>;
  body?: string;
  contentType?: string;
}

/** Returns a reply to override the default behaviour of a route, or undefined to keep it. */
export type Override = (request: RecordedRequest) => CannedReply | undefined;

export interface RecordingServerOptions {
  /** How long an empty job-take / job-stop is held before 204 (default 2000 ms). */
  holdMs?: number;
  /** Listen on this port (default: any free one). */
  port?: number;
  overrides?: Partial<Record<string, Override>>;
  /**
   * Act as Gantry: every answer carries `X-Gantry-Version`, and a result post with `?take=N` answers
   * `{"jobs":[…]}` with up to N queued jobs (never held), and job-done-batch accepts every result
   * (`{"results":[…]}`, plus `jobs` with `?take=`). Default false: a RunPod-like platform (job-done-batch 404s).
   */
  gantry?: boolean;
}

type Waiter = { predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void };

const ROUTE =
  /^\/v2\/([^/]+)\/(job-take|job-take-batch|job-stop|job-done|job-done-batch|job-stream|ping)\/([^/]+)(?:\/([^/]+))?$/;

export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #holdMs: number;
  readonly #gantry: boolean;
  readonly overrides: Partial<Record<string, Override>>;
  readonly #jobs: Record<string, unknown>[] = [];
  readonly #stops: string[] = [];
  #takeWaiters: Array<() => void> = [];
  #stopWaiters: Array<() => void> = [];
  #waiters: Waiter[] = [];
  readonly #started = Date.now();
  port = 0;

  private constructor(options: RecordingServerOptions) {
    this.#holdMs = options.holdMs ?? 2000;
    this.#gantry = options.gantry ?? false;
    this.overrides = { ...options.overrides };
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(options: RecordingServerOptions = {}): Promise<RecordingServer> {
    const server = new RecordingServer(options);
    server.#server.listen(options.port ?? 0, "127.0.0.1");
    await once(server.#server, "listening");
    server.port = (server.#server.address() as AddressInfo).port;
    return server;
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}/v2/ep1`;
  }

  /** The four webhook env vars with the recommended templates (docs/protocol.md §2). */
  workerEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      RUNPOD_WEBHOOK_GET_JOB: `${this.base}/job-take/$ID?gpu=SIM`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${this.base}/job-done/$RUNPOD_POD_ID/$ID?gpu=SIM`,
      RUNPOD_WEBHOOK_POST_STREAM: `${this.base}/job-stream/$RUNPOD_POD_ID/$ID?gpu=SIM`,
      RUNPOD_WEBHOOK_PING: `${this.base}/ping/$RUNPOD_POD_ID?gpu=SIM`,
      RUNPOD_POD_ID: "wkr1",
      RUNPOD_AI_API_KEY: "secretkey",
      RUNPOD_PING_INTERVAL: "1000",
      RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: "true",
      ...extra,
    };
  }

  /** Queues jobs for the next job-take; a held take is answered at once. */
  addJobs(...jobs: Record<string, unknown>[]): void {
    this.#jobs.push(...jobs);
    this.#flush("take");
  }

  /** Names jobs on the job-stop channel. */
  stopJobs(...ids: string[]): void {
    this.#stops.push(...ids);
    this.#flush("stop");
  }

  byRoute(route: string): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** Resolves with the first recorded request (past or future) matching `predicate`. */
  waitFor(
    predicate: (r: RecordedRequest) => boolean,
    timeoutMs = 15_000,
    what = "request",
  ): Promise<RecordedRequest> {
    const seen = this.requests.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Resolves once `count` requests match. */
  async waitForCount(
    predicate: (r: RecordedRequest) => boolean,
    count: number,
    timeoutMs = 15_000,
  ): Promise<void> {
    const enough = (r: RecordedRequest): boolean =>
      predicate(r) && this.requests.filter(predicate).length >= count;
    await this.waitFor(enough, timeoutMs, `${count} matching requests`);
  }

  seconds(request: RecordedRequest): number {
    return (request.at - this.#started) / 1000;
  }

  async close(): Promise<void> {
    this.#flush("take");
    this.#flush("stop");
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #flush(kind: "take" | "stop"): void {
    const waiters = kind === "take" ? this.#takeWaiters : this.#stopWaiters;
    if (kind === "take") this.#takeWaiters = [];
    else this.#stopWaiters = [];
    for (const wake of waiters) wake();
  }

  #record(request: RecordedRequest): void {
    this.requests.push(request);
    for (const waiter of [...this.#waiters]) {
      if (waiter.predicate(request)) {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        waiter.resolve(request);
      }
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = q >= 0 ? rawUrl.slice(q + 1) : "";
    const match = ROUTE.exec(path);
    const routeName = match?.[2];
    const route = routeName?.replace(/^job-/, "") ?? "other";
    const request: RecordedRequest = {
      method: req.method ?? "GET",
      path,
      query,
      params: new URLSearchParams(query),
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      route,
      at: Date.now(),
    };
    if (match?.[3] !== undefined) request.workerId = decodeURIComponent(match[3]);
    if (match?.[4] !== undefined) request.jobId = decodeURIComponent(match[4]);
    this.#record(request);

    const override = this.overrides[route]?.(request);
    if (override) {
      if (override.delayMs) await new Promise((resolve) => setTimeout(resolve, override.delayMs));
      if (override.until) await override.until.catch(() => {});
      return this.#reply(res, override);
    }
    switch (route) {
      case "take":
      case "take-batch":
        return this.#take(
          req,
          res,
          route === "take-batch" ? Number(request.params.get("batch_size") ?? 1) : 0,
        );
      case "stop":
        return this.#stop(req, res);
      case "done": {
        const take = request.params.get("take");
        if (!this.#gantry || take === null || request.body.includes('"IN_PROGRESS"')) {
          return this.#reply(res, { status: 200, body: "{}", contentType: "application/json" });
        }
        const jobs = this.#jobs.splice(0, Number(take));
        return this.#reply(res, {
          status: 200,
          body: JSON.stringify({ jobs }),
          contentType: "application/json",
        });
      }
      case "done-batch": {
        if (!this.#gantry) return this.#reply(res, { status: 404, body: "not found" });
        const items = JSON.parse(request.body) as { id: string }[];
        const answer: Record<string, unknown> = { results: items.map((i) => ({ id: i.id, ok: true })) };
        const take = request.params.get("take");
        if (take !== null) answer.jobs = this.#jobs.splice(0, Number(take));
        return this.#reply(res, {
          status: 200,
          body: JSON.stringify(answer),
          contentType: "application/json",
        });
      }
      case "stream":
      case "ping":
        return this.#reply(res, { status: 200, body: "{}", contentType: "application/json" });
      default:
        return this.#reply(res, { status: 404, body: "not found" });
    }
  }

  #reply(res: ServerResponse, reply: CannedReply): void {
    if (res.writableEnded || res.destroyed) return;
    const headers: Record<string, string> = {};
    if (this.#gantry) headers["x-gantry-version"] = "0.0.0-test";
    if (reply.contentType) headers["content-type"] = reply.contentType;
    res.writeHead(reply.status, headers);
    res.end(reply.status === 204 ? undefined : (reply.body ?? ""));
  }

  /** Long-poll: answers as soon as jobs exist, else 204 after the hold. `batch` 0 means a single take. */
  #take(req: IncomingMessage, res: ServerResponse, batch: number): void {
    const answer = (): boolean => {
      if (this.#jobs.length === 0) return false;
      const jobs = this.#jobs.splice(0, Math.max(1, batch));
      const body = batch === 0 ? jobs[0] : jobs;
      this.#reply(res, { status: 200, body: JSON.stringify(body), contentType: "application/json" });
      return true;
    };
    if (answer()) return;
    this.#hold(req, res, "take", answer);
  }

  #stop(req: IncomingMessage, res: ServerResponse): void {
    const answer = (): boolean => {
      if (this.#stops.length === 0) return false;
      const ids = this.#stops.splice(0);
      this.#reply(res, {
        status: 200,
        body: JSON.stringify({ jobsToStop: ids }),
        contentType: "application/json",
      });
      return true;
    };
    if (answer()) return;
    this.#hold(req, res, "stop", answer);
  }

  #hold(req: IncomingMessage, res: ServerResponse, kind: "take" | "stop", answer: () => boolean): void {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (!answer()) this.#reply(res, { status: 204 });
    };
    const timer = setTimeout(finish, this.#holdMs);
    const wake = (): void => {
      if (done) return;
      // A closed request must not swallow a job: only answer while the client still listens.
      // (`req.destroyed` is already true once its body was read, so look at the socket.)
      if (res.destroyed || req.socket.destroyed) {
        done = true;
        clearTimeout(timer);
        return;
      }
      if (answer()) {
        done = true;
        clearTimeout(timer);
      } else if (kind === "take") this.#takeWaiters.push(wake);
      else this.#stopWaiters.push(wake);
    };
    res.on("close", () => {
      done = true;
      clearTimeout(timer);
    });
    if (kind === "take") this.#takeWaiters.push(wake);
    else this.#stopWaiters.push(wake);
  }
}
