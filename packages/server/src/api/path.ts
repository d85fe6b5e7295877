/**
 * Path normalisation before routing. SDKs build URLs by concatenation, so a base URL with a trailing slash gives
 * `/v2//ep/run`, and some clients add a trailing slash; both must reach the same route (endpoint-api.md §1.1).
 */

/** Collapses runs of `/` and drops a trailing `/` (except for the root). */
export function normalisePath(path: string): string {
  let out = path.replace(/\/{2,}/g, "/");
  if (out.length > 1 && out.endsWith("/")) out = out.slice(0, -1);
  return out === "" ? "/" : out;
}

/** Hono `getPath`: the request's path, normalised, without the query string. */
export function getNormalisedPath(request: Request): string {
  const url = request.url;
  const schemeEnd = url.indexOf("://");
  const start = url.indexOf("/", schemeEnd === -1 ? 0 : schemeEnd + 3);
  if (start === -1) return "/";
  let end = url.indexOf("?", start);
  const hash = url.indexOf("#", start);
  if (end === -1 || (hash !== -1 && hash < end)) end = hash;
  const raw = end === -1 ? url.slice(start) : url.slice(start, end);
  return normalisePath(raw);
}
