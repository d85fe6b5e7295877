/**
 * Request bodies, read straight from node's request: as text (UTF-8, a leading byte-order mark dropped, as
 * `Request.text()` reads it), within a byte limit counted as the bytes arrive, so an oversized chunked body is
 * never held whole (a declared Content-Length is checked before any byte is read, by the guards).
 */
import type { IncomingMessage } from "node:http";

/** The body passed its limit while arriving; the route's `tooLarge` answers. */
export const BODY_TOO_LARGE = new Error("request body over its limit");
/** The client left mid-body: no job is created, and there is no one to answer. */
export const CLIENT_LEFT = new Error("client connection closed while sending the body");

export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off("data", onData);
        req.pause();
        reject(BODY_TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => {
      const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString("utf8");
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    req.once("error", reject);
    req.once("aborted", () => reject(CLIENT_LEFT));
  });
}

const DRAIN_TIMEOUT_MS = 500;
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;

/**
 * Discards what is left of a body the answer did not need (refused before or while reading), so the connection
 * can serve the next request; a client that keeps sending past a bound or a short time loses the connection.
 */
export function drainBody(req: IncomingMessage): void {
  if (req.readableEnded || req.destroyed) return;
  let bytes = 0;
  const cleanup = (): void => {
    clearTimeout(timer);
    req.off("data", onData);
    req.off("end", cleanup);
    req.off("error", cleanup);
  };
  const cut = (): void => {
    cleanup();
    req.socket?.destroySoon();
  };
  const onData = (chunk: Buffer): void => {
    bytes += chunk.length;
    if (bytes > MAX_DRAIN_BYTES) cut();
  };
  const timer = setTimeout(cut, DRAIN_TIMEOUT_MS);
  timer.unref();
  req.on("data", onData);
  req.on("end", cleanup);
  req.on("error", cleanup);
  req.resume();
}
