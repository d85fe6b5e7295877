import { version } from "../version.js";
import type { ProtocolHttp } from "./http.js";
import { withQuery } from "./urls.js";

/** One best-effort report of a failed start-up check (§3.9); errors are swallowed, the worker exits anyway. */
export async function reportUnhealthy(
  http: ProtocolHttp,
  pingUrl: string,
  check: string,
  reason: string,
): Promise<void> {
  const url = withQuery(pingUrl, [
    ["status", "unhealthy"],
    ["check", check],
    ["reason", reason],
    ["runpod_version", version],
  ]);
  try {
    await http.send(url, { method: "GET", timeoutMs: 2000 });
  } catch {
    // Best effort by design: the exit code already tells the platform the worker is unhealthy.
  }
}
