/** `/run` and `/runsync` once the request has passed its guards (key, endpoint, rate limit, body size). */
import { parseIdempotencyKey, parseRunRequest, parseWait } from "@gantry/protocol";
import type { ApiCall } from "../http/call.js";
import { DEFAULT_WAIT_MS, type RouteDeps } from "../http/deps.js";
import { parseJsonBody } from "../http/json.js";
import { unwrap } from "../http/outcome.js";
import { accepted } from "../http/validate.js";

/** The job's view, or its terminal view for a runsync that finished in time; throws `ApiError` when refused. */
export async function submitJob(deps: RouteDeps, call: ApiCall, sync: boolean): Promise<unknown> {
  const { platform } = deps;
  const endpointId = call.endpointId;
  // The header and the query are checked before the body is read, so a bad `wait` never creates a job.
  const key = call.header("idempotency-key");
  // Trimmed as HTTP trims a header value; protocol checks the key as the client must send it.
  const idempotencyKey = key === undefined ? undefined : accepted(parseIdempotencyKey(key.trim()));
  const wait = sync ? call.query("wait") : undefined;
  const waitMs = sync ? accepted(parseWait(wait, DEFAULT_WAIT_MS.runsync)) : 0;
  const run = accepted(parseRunRequest(parseJsonBody(await call.body())));
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
