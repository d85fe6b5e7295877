/**
 * Job ids of docs/api.md §1.5: `<uuid>-<node>` for `/run`, `sync-<uuid>-<node>` for `/runsync`.
 *
 * The uuid has the RFC 9562 version-7 layout: a 48-bit millisecond timestamp first, so ids submitted together
 * sort together and each insert touches the right-hand pages of the primary-key index instead of a random
 * page (a v4 id dirtied a different page per insert: ~3× the commit cost per job, and enqueue slowed as the
 * table outgrew the page cache). Nothing may read order or time out of an id: it is a key, nothing more.
 *
 * Hand-made over `crypto.randomUUID` rather than the `uuid` package's `v7`: that one is ~5× slower per id
 * here (16 fresh random bytes from `getRandomValues` per call, where `randomUUID` draws from a pooled buffer),
 * and its default mode counts up within a millisecond, leaving only 42 fresh random bits between ids of the
 * same millisecond. Here every id keeps 74 random bits of the v4 uuid (the 12 after the version nibble, and
 * the 62 after the variant bits), so an id cannot be guessed from another.
 */
import { randomUUID } from "node:crypto";

export const NODE_ID_PATTERN = /^[A-Za-z0-9]+$/;

/** `tttttttt-tttt-7`: the timestamp part, rebuilt only when the millisecond changes. */
let prefixMs = -1;
let prefix = "";

/** A version-7 uuid: timestamp and version over the random bits of a v4 one (`xxxxxxxx-xxxx-4` is replaced). */
export function uuidV7(now = Date.now()): string {
  if (now !== prefixMs) {
    const hex = Math.max(0, Math.trunc(now)).toString(16).padStart(12, "0").slice(-12);
    prefix = `${hex.slice(0, 8)}-${hex.slice(8)}-7`;
    prefixMs = now;
  }
  return prefix + randomUUID().slice(15);
}

export function newJobId(nodeId: string, sync: boolean): string {
  return `${sync ? "sync-" : ""}${uuidV7()}-${nodeId}`;
}
