/**
 * The list of held job ids, shared with the heartbeat thread through memory (as Python's
 * `PingJobMirror` does): every ping reads the current list directly, with no message that could arrive
 * late. A sequence counter (odd while writing) lets the reader retry instead of seeing a torn write.
 */
export const MIRROR_CAPACITY = 65_536;
/** Int32 slots before the data: [sequence, byte length]. */
export const MIRROR_HEADER_BYTES = 8;

export function createMirrorBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(MIRROR_HEADER_BYTES + MIRROR_CAPACITY);
}

const encoder = new TextEncoder();

/** Comma-joined ids as UTF-8, cut at a comma when longer than the capacity. */
export function encodeJobIds(ids: readonly string[]): Uint8Array {
  let bytes = encoder.encode(ids.join(","));
  if (bytes.length > MIRROR_CAPACITY) {
    const cut = bytes.subarray(0, MIRROR_CAPACITY).lastIndexOf(44 /* "," */);
    bytes = bytes.subarray(0, Math.max(0, cut));
  }
  return bytes;
}

export function writeJobIds(buffer: SharedArrayBuffer, ids: readonly string[]): void {
  const header = new Int32Array(buffer, 0, 2);
  const data = new Uint8Array(buffer, MIRROR_HEADER_BYTES);
  const bytes = encodeJobIds(ids);
  Atomics.add(header, 0, 1);
  data.set(bytes);
  Atomics.store(header, 1, bytes.length);
  Atomics.add(header, 0, 1);
}

const decoder = new TextDecoder();

/** The heartbeat thread's reader: retries while a write is in progress. */
export function readJobIds(buffer: SharedArrayBuffer): string {
  const header = new Int32Array(buffer, 0, 2);
  const data = new Uint8Array(buffer, MIRROR_HEADER_BYTES);
  for (;;) {
    const before = Atomics.load(header, 0);
    if (before % 2 === 1) continue;
    const length = Atomics.load(header, 1);
    const copy = data.slice(0, length);
    if (Atomics.load(header, 0) === before) return decoder.decode(copy);
  }
}
