/**
 * The few admin API calls the CLI makes (`/admin/v1/…`: an endpoint's workers, a worker's logs). The client SDK
 * covers only RunPod's public routes, so these go through fetch here, with the same error wording.
 */
import type { WorkerListView, WorkerLogsView } from "@gantry/protocol";
import { CommandFailed } from "./errors.js";
import { httpFailure, unreachable } from "./remote-errors.js";
import type { Remote } from "./remote-options.js";
import { type SseEvent, sseEvents } from "./sse-events.js";

const REQUEST_TIMEOUT_MS = 30_000;

export class AdminApi {
  constructor(readonly remote: Remote) {}

  private headers(accept: string): Record<string, string> {
    const h: Record<string, string> = { accept };
    if (this.remote.apiKey !== undefined) h.authorization = `Bearer ${this.remote.apiKey}`;
    return h;
  }

  private async send(path: string, accept: string, signal?: AbortSignal): Promise<Response> {
    const url = `${this.remote.root}/admin/v1${path}`;
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: this.headers(accept),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      if (timeout.aborted)
        throw new CommandFailed(`no answer from Gantry at ${this.remote.root} within 30 s`);
      throw unreachable(this.remote.root, err);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON (a proxy's error page): the text is the message.
      }
      throw httpFailure(res.status, body);
    }
    return res;
  }

  private async json<T>(path: string): Promise<T> {
    const res = await this.send(path, "application/json");
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new CommandFailed(`GET ${path}: the server answered with non-JSON: ${text.slice(0, 200)}`);
    }
  }

  workers(endpointId: string): Promise<WorkerListView> {
    return this.json<WorkerListView>(`/endpoints/${encodeURIComponent(endpointId)}/workers`);
  }

  logs(workerId: string, tail: number): Promise<WorkerLogsView> {
    return this.json<WorkerLogsView>(`/workers/${encodeURIComponent(workerId)}/logs?tail=${tail}`);
  }

  /**
   * The tail, then each new line as it is printed, then the exit; ends when the worker's process ends. A `line`
   * event's data is a `WorkerLogLine`, an `exit` event's a `WorkerExitView`.
   */
  async *followLogs(workerId: string, tail: number, signal?: AbortSignal): AsyncGenerator<SseEvent> {
    const res = await this.send(
      `/workers/${encodeURIComponent(workerId)}/logs?tail=${tail}&follow=1`,
      "text/event-stream",
      signal,
    );
    if (!res.body) return;
    yield* sseEvents(res.body, signal);
  }
}
