import { version } from "../version.js";
import type { ProtocolHttp } from "./http.js";
import { withQuery } from "./urls.js";

/**
 * One best-effort report of a failed start-up check (a ping with `status=unhealthy`); errors are swallowed, the
 * worker exits anyway.
 */
export async function reportUnhealthy(report: {
  http: ProtocolHttp;
  /** Ping URL with the worker id substituted. */
  pingUrl: string;
  /** The failed check's name. */
  check: string;
  reason: string;
}): Promise<void> {
  const { http, pingUrl, check, reason } = report;
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
