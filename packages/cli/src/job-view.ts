/** How a job and what it produced read in a terminal: its status line, its error, its streamed chunks. */
import type { JobStatus } from "@gantry/client";
import type { Style } from "./style.js";
import { formatMs } from "./table.js";

export function compactJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

export function prettyJson(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

export function colourStatus(status: string, s: Style): string {
  if (status === "COMPLETED") return s.green(status);
  if (status === "FAILED" || status === "TIMED_OUT") return s.red(status);
  if (status === "CANCELLED") return s.yellow(status);
  return s.cyan(status);
}

/** `COMPLETED (queued 12 ms, ran 341 ms on w-1, 1 retry)`. */
export function statusLine(job: JobStatus, s: Style): string {
  const facts: string[] = [];
  if (job.delayTime !== undefined) facts.push(`queued ${formatMs(job.delayTime)}`);
  if (job.executionTime !== undefined) facts.push(`ran ${formatMs(job.executionTime)}`);
  if (job.workerId !== undefined) facts.push(`${facts.length > 0 ? "on " : "worker "}${job.workerId}`);
  const detail = facts.length > 0 ? facts.join(", ").replace(/, on /, " on ") : "";
  const retries = job.retries
    ? `${detail ? ", " : ""}${job.retries} ${job.retries === 1 ? "retry" : "retries"}`
    : "";
  const extra = `${detail}${retries}`;
  return `${colourStatus(job.status, s)}${extra ? ` ${s.dim(`(${extra})`)}` : ""}`;
}

/**
 * A worker's error, readable: the SDKs send a thrown exception as a JSON string holding `error_type`,
 * `error_message` and `error_traceback`; show the type and message (the traceback with `verbose`).
 */
export function errorText(error: unknown, verbose = false): string {
  if (error === undefined || error === null) return "(no error message)";
  if (typeof error === "string") {
    const t = error.trim();
    if (t.startsWith("{")) {
      try {
        const info = JSON.parse(t) as Record<string, unknown>;
        if (typeof info.error_message === "string") {
          const type =
            typeof info.error_type === "string" ? info.error_type.replace(/^<class '(.+)'>$/, "$1") : "";
          const head = type ? `${type}: ${info.error_message}` : info.error_message;
          const trace = typeof info.error_traceback === "string" ? info.error_traceback.trimEnd() : "";
          return verbose && trace ? `${head}\n${trace}` : head;
        }
      } catch {
        // Not JSON after all: shown as sent.
      }
    }
    return error;
  }
  return compactJson(error);
}

/** Token chunks (`{token: "…"}`, as LLM workers send) print as their text. */
function tokenOf(chunk: unknown): string | undefined {
  if (typeof chunk !== "object" || chunk === null || Array.isArray(chunk)) return undefined;
  const t = (chunk as { token?: unknown }).token;
  return typeof t === "string" ? t : undefined;
}

/**
 * Prints streamed chunks as they arrive: strings and tokens raw (so text reads as text), anything else as one
 * compact JSON line of its own.
 */
export class ChunkPrinter {
  count = 0;
  #midLine = false;

  constructor(readonly out: NodeJS.WritableStream) {}

  write(chunk: unknown): void {
    this.count++;
    const text = typeof chunk === "string" ? chunk : tokenOf(chunk);
    if (text !== undefined) {
      if (text === "") return;
      this.out.write(text);
      this.#midLine = !text.endsWith("\n");
      return;
    }
    this.out.write(`${this.#midLine ? "\n" : ""}${compactJson(chunk)}\n`);
    this.#midLine = false;
  }

  /** Ends raw text with a newline so what follows starts on a fresh line. */
  finish(): void {
    if (this.#midLine) this.out.write("\n");
    this.#midLine = false;
  }
}
