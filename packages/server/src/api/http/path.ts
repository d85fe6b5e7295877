/**
 * The request target as routing sees it. SDKs build URLs by concatenation, so a base URL with a trailing slash
 * gives `/v2//ep/run`, and some clients add a trailing slash; both must reach the same route (docs/api.md,
 * "Conventions"). Targets outside the plain set of characters, or with `.`/`..` segments, are first resolved as
 * a browser would (WHATWG URL), so `/v2/x/../ep/run` is `/v2/ep/run`.
 */

/** Collapses runs of `/` and drops a trailing `/` (except for the root). */
export function normalisePath(path: string): string {
  let out = path.replace(/\/{2,}/g, "/");
  if (out.length > 1 && out.endsWith("/")) out = out.slice(0, -1);
  return out === "" ? "/" : out;
}

/**
 * Characters a target may hold as it is (`URL` would leave them, and `%XX` escapes, unchanged); anything else, or
 * a dot segment, goes through `URL`.
 */
const PLAIN_TARGET = /^\/[!#-;=?-[\]_a-z~]*$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;

/**
 * `req.url` as an origin-form target (`/path?query`, fragment dropped), or undefined when it cannot be one
 * (`*`, a backslash in the path, garbage): the caller answers 400.
 */
export function requestTarget(url: string): string | undefined {
  if (url.charCodeAt(0) === 47 /* / */ && PLAIN_TARGET.test(url) && !DOT_SEGMENT.test(url)) {
    const hash = url.indexOf("#");
    return hash === -1 ? url : url.slice(0, hash);
  }
  const absolute = url.startsWith("http://") || url.startsWith("https://");
  if (!absolute && url.charCodeAt(0) !== 47) return undefined;
  const backslash = url.indexOf("\\");
  const query = url.indexOf("?");
  // A backslash in the path would be read as `/` by URL: refused, as a path-traversal trick.
  if (backslash !== -1 && (query === -1 || backslash < query)) return undefined;
  try {
    const parsed = absolute ? new URL(url) : new URL(url, "http://gantry");
    return parsed.pathname + parsed.search;
  } catch {
    return undefined;
  }
}

/** The routing path of a target: without the query, normalised. */
export function pathOf(target: string, queryAt: number): string {
  const raw = queryAt === -1 ? target : target.slice(0, queryAt);
  // The common case has nothing to normalise: no allocation.
  if (raw.indexOf("//") === -1 && (raw.length === 1 || raw.charCodeAt(raw.length - 1) !== 47)) return raw;
  return normalisePath(raw);
}
