/**
 * Per-worker log: a bounded ring of the latest lines plus followers, so the API and CLI can show a worker's
 * recent output and tail it live without the platform growing without bound.
 */
import type { WorkerLogLine, WorkerLogStream } from "@gantry/protocol";

/** Which output a line came from; the admin API's wire type. */
export type LogStream = WorkerLogStream;

/** One captured line of a worker's output, as the admin API and `gantry logs` show it: its wire type. */
export type LogLine = WorkerLogLine;

export type LogListener = (line: LogLine) => void;

/** Longest line kept; a handler printing megabytes without a newline must not exhaust memory. */
export const MAX_LINE_CHARS = 16_384;

export class LogBuffer {
  readonly #capacity: number;
  readonly #lines: LogLine[] = [];
  readonly #listeners = new Set<LogListener>();
  #seq = 0;

  constructor(capacity = 1000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError("log capacity must be a positive integer");
    this.#capacity = capacity;
  }

  push(stream: LogStream, line: string, at = Date.now()): LogLine {
    const text = line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}…[truncated]` : line;
    const entry: LogLine = { seq: ++this.#seq, at, stream, line: text };
    this.#lines.push(entry);
    if (this.#lines.length > this.#capacity) this.#lines.shift();
    for (const listener of this.#listeners) {
      try {
        listener(entry);
      } catch {
        // A broken follower (e.g. a closed HTTP response) must not stop logging for the others.
      }
    }
    return entry;
  }

  /** The retained lines with seq > `afterSeq`, at most `limit` of the newest. */
  lines(opts: { afterSeq?: number; limit?: number } = {}): LogLine[] {
    const after = opts.afterSeq ?? 0;
    const picked = this.#lines.filter((l) => l.seq > after);
    const limit = opts.limit;
    return limit !== undefined && limit >= 0 && picked.length > limit
      ? picked.slice(picked.length - limit)
      : picked;
  }

  /** The last `n` lines as plain text (for crash reports). */
  tail(n: number): string[] {
    return this.lines({ limit: n }).map((l) => l.line);
  }

  /** Calls `listener` for every new line; returns the unsubscribe function. */
  follow(listener: LogListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  get lastSeq(): number {
    return this.#seq;
  }
}

/** Splits a byte stream into lines (LF or CRLF), holding the partial last line until more data or the end. */
export class LineSplitter {
  #pending = "";
  readonly #emit: (line: string) => void;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  write(chunk: string): void {
    const text = this.#pending + chunk;
    const parts = text.split("\n");
    this.#pending = parts.pop() ?? "";
    if (this.#pending.length > MAX_LINE_CHARS) {
      this.#emit(this.#pending);
      this.#pending = "";
    }
    for (const p of parts) this.#emit(p.endsWith("\r") ? p.slice(0, -1) : p);
  }

  end(): void {
    if (this.#pending !== "") this.#emit(this.#pending);
    this.#pending = "";
  }
}
