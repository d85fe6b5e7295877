/**
 * Prefix-less routes of the dev server: `POST /runsync` means `POST /v2/<endpointId>/runsync`, so the curl
 * line a developer copies from the Python SDK's local API (which has no prefix) keeps working. The rewrite is
 * done on the raw request URL, before routing, so both forms reach exactly the same handlers.
 */

/** First path segments of the public API; only these are rewritten (never `/healthz`, `/metrics`, `/v2/…`). */
const PUBLIC_ROUTES = new Set([
  "run",
  "runsync",
  "status",
  "status-sync",
  "stream",
  "cancel",
  "retry",
  "purge-queue",
  "health",
]);

/** `/runsync?wait=5000` → `/v2/dev/runsync?wait=5000`; any other URL is returned unchanged. */
export function addEndpointPrefix(url: string, endpointId: string): string {
  if (!url.startsWith("/")) return url;
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  const first = path.split("/").find((s) => s !== "");
  if (first === undefined || !PUBLIC_ROUTES.has(first)) return url;
  return `/v2/${endpointId}${url}`;
}
