/**
 * `/run` and `/runsync` once the request has passed its guards (key, endpoint, rate limit, body size): the one
 * implementation that both the Hono route (public-routes.ts) and the fast lane (fast-lane.ts) call, so the two
 * ways in cannot answer differently.
 */
import { DEFAULT_WAIT_MS, type RouteDeps } from "./deps.js";
import { parseJsonBody } from "./json.js";
import { unwrap } from "./outcome.js";
import { parseWait } from "./params.js";
import { parseIdempotencyKey, parseRunRequest } from "./run-request.js";

export interface SubmitRequest {
  endpointId: string;
  sync: boolean;
  /** The raw `Idempotency-Key` header. */
  idempotencyKey: string | undefined;
  /** The raw `?wait=` (runsync only). */
  wait: string | undefined;
  /** Reads the body; called only after the header and the query passed, so a bad `wait` never creates a job. */
  body(): Promise<string>;
  /** Aborts a runsync's wait (the client left, or the server is shutting down); built only when waiting. */
  signal(): AbortSignal;
}

/** The job's view, or its terminal view for a runsync that finished in time; throws `ApiError` when refused. */
export async function submitJob(deps: RouteDeps, req: SubmitRequest): Promise<unknown> {
  const { platform } = deps;
  const idempotencyKey = parseIdempotencyKey(req.idempotencyKey);
  const waitMs = req.sync ? parseWait(req.wait, DEFAULT_WAIT_MS.runsync) : 0;
  const run = parseRunRequest(parseJsonBody(await req.body()));
  // An explicit `?wait` asks for the result to be kept longer (endpoint-api §2.2: up to 5 min).
  const retention = req.sync && req.wait !== undefined ? { retentionMs: waitMs } : {};
  const view = unwrap(
    await platform.submit({
      ...run,
      endpointId: req.endpointId,
      sync: req.sync,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      ...retention,
    }),
  );
  if (!req.sync) return view;
  const done = await platform.waitForTerminal(req.endpointId, view.id, waitMs, req.signal());
  return done ?? view;
}
