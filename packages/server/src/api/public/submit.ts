/** `/run` and `/runsync` once the request has passed its guards (key, endpoint, rate limit, body size). */
import type { ApiCall } from "../http/call.js";
import { DEFAULT_WAIT_MS, type RouteDeps } from "../http/deps.js";
import { parseJsonBody } from "../http/json.js";
import { unwrap } from "../http/outcome.js";
import { parseIdempotencyKey, parseRunRequest, parseWait } from "../http/validate.js";

/** The job's view, or its terminal view for a runsync that finished in time; throws `ApiError` when refused. */
export async function submitJob(deps: RouteDeps, call: ApiCall, sync: boolean): Promise<unknown> {
  const { platform } = deps;
  const endpointId = call.endpointId;
  // The header and the query are checked before the body is read, so a bad `wait` never creates a job.
  const idempotencyKey = parseIdempotencyKey(call.header("idempotency-key"));
  const wait = sync ? call.query("wait") : undefined;
  const waitMs = sync ? parseWait(wait, DEFAULT_WAIT_MS.runsync) : 0;
  const run = parseRunRequest(parseJsonBody(await call.body()));
  // An explicit `?wait` also asks for the result to be kept that long (up to 5 min).
  const retention = wait !== undefined ? { retentionMs: waitMs } : {};
  const view = unwrap(
    await platform.submit({
      ...run,
      endpointId,
      sync,
      ...(idempotencyKey ? { idempotencyKey } : {}),
      ...retention,
    }),
  );
  if (!sync) return view;
  const done = await platform.waitForTerminal(endpointId, view.id, waitMs, call.signal());
  return done ?? view;
}
