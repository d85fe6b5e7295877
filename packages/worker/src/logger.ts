/**
 * The worker's logger, line-compatible with the Python SDK's `RunPodLogger` (docs/protocol.md §15.2):
 * platforms and log collectors that parse RunPod worker output keep working.
 */
import { inspect } from "node:util";
import type { JobLogger, LogLevelName } from "./types.js";

/** In order: a message prints when its level's index is ≥ the logger's. */
export const LOG_LEVELS: readonly LogLevelName[] = ["NOTSET", "TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

/** Longer messages are cut in the middle so a runaway payload cannot flood the log pipe. */
export const MAX_MESSAGE_LENGTH = 4096;

export interface LoggerOptions {
  /** Receives one complete line (no trailing newline). Default: stdout. */
  write?: (line: string) => void;
  /** Environment read for the initial level and, on every line, for JSON mode. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Initial level; overrides the environment. */
  level?: string | number;
}

type MessageLevel = Exclude<LogLevelName, "NOTSET">;

/**
 * Resolves a level given by name (case-insensitive) or by index (`3` → INFO, also as a digit string).
 * Throws a clear Error for anything else.
 */
export function parseLogLevel(level: unknown): LogLevelName {
  if (typeof level === "number") {
    const byIndex = Number.isInteger(level) ? LOG_LEVELS[level] : undefined;
    if (byIndex === undefined) {
      throw new Error(
        `Invalid log level index ${level}: expected an integer from 0 to ${LOG_LEVELS.length - 1}.`,
      );
    }
    return byIndex;
  }
  if (typeof level === "string") {
    const trimmed = level.trim();
    if (/^\d+$/.test(trimmed)) return parseLogLevel(Number(trimmed));
    const upper = trimmed.toUpperCase();
    const found = LOG_LEVELS.find((name) => name === upper);
    if (found) return found;
  }
  throw new Error(
    `Invalid log level ${inspect(level)}: expected one of ${LOG_LEVELS.join(", ")} or their index.`,
  );
}

/** Python's `str(message)`, made useful for JS values: Errors keep their stack, objects become JSON. */
export function formatMessage(message: unknown): string {
  if (typeof message === "string") return message;
  if (message instanceof Error) return message.stack ?? `${message.name}: ${message.message}`;
  if (message !== null && typeof message === "object") {
    try {
      const json = JSON.stringify(message);
      if (json !== undefined) return json;
    } catch {
      // Circular structures and BigInt values: inspect never throws.
    }
    return inspect(message, { depth: 4, breakLength: Number.POSITIVE_INFINITY });
  }
  return String(message);
}

/** Cuts the middle out of an over-long message, keeping both ends (where the useful parts usually are). */
export function truncateMessage(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message;
  const half = MAX_MESSAGE_LENGTH / 2;
  const cut = message.length - MAX_MESSAGE_LENGTH;
  return `${message.slice(0, half)}\n...TRUNCATED ${cut} CHARACTERS...\n${message.slice(-half)}`;
}

function writeStdout(line: string): void {
  process.stdout.write(`${line}\n`);
}

export class Logger {
  readonly #write: (line: string) => void;
  readonly #env: NodeJS.ProcessEnv;
  #level: LogLevelName;

  constructor(options: LoggerOptions = {}) {
    this.#write = options.write ?? writeStdout;
    this.#env = options.env ?? process.env;
    if (options.level !== undefined) {
      this.#level = parseLogLevel(options.level);
      return;
    }
    const [source, value] = this.#levelFromEnv();
    this.#level = "DEBUG";
    if (value === undefined) return;
    try {
      this.#level = parseLogLevel(value);
    } catch (err) {
      // Python raises at import and the worker dies; a typo in an env var should not take a worker down.
      this.warn(`${(err as Error).message} (from ${source}); using DEBUG.`);
    }
  }

  #levelFromEnv(): [string, string | undefined] {
    for (const name of ["RUNPOD_LOG_LEVEL", "RUNPOD_DEBUG_LEVEL"]) {
      const value = this.#env[name];
      if (value !== undefined && value !== "") return [name, value];
    }
    return ["default", undefined];
  }

  /** Sets the level by name (case-insensitive) or index; throws a clear Error on anything else. */
  setLevel(level: string | number): void {
    this.#level = parseLogLevel(level);
    this.info(`Log level set to ${this.#level}`);
  }

  getLevel(): LogLevelName {
    return this.#level;
  }

  /** Whether a message of this level would be printed now. */
  isEnabled(level: LogLevelName): boolean {
    if (this.#level === "NOTSET" || level === "NOTSET") return false;
    return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(this.#level);
  }

  trace(message: unknown, jobId?: string): void {
    this.#log("TRACE", message, jobId);
  }

  debug(message: unknown, jobId?: string): void {
    this.#log("DEBUG", message, jobId);
  }

  info(message: unknown, jobId?: string): void {
    this.#log("INFO", message, jobId);
  }

  warn(message: unknown, jobId?: string): void {
    this.#log("WARN", message, jobId);
  }

  error(message: unknown, jobId?: string): void {
    this.#log("ERROR", message, jobId);
  }

  /** Logs `name: f*****t` at INFO, so a secret can be recognised in logs without being leaked. */
  secret(name: string, value: string): void {
    const masked = value.length < 2 ? "*".repeat(value.length) : `${value[0]}*****${value.at(-1)}`;
    this.info(`${name}: ${masked}`);
  }

  /** A logger whose lines carry the job's id (and its batch id, when it has one). */
  forJob(job: { id: string; batchId?: unknown }): JobLogger {
    const id = String(job.id);
    const batch = job.batchId;
    const prefix = batch !== undefined && batch !== null && batch !== "" ? `[batchId=${String(batch)}] ` : "";
    const bound =
      (level: MessageLevel) =>
      (message: unknown): void => {
        this.#log(level, prefix === "" ? message : prefix + formatMessage(message), id);
      };
    return {
      trace: bound("TRACE"),
      debug: bound("DEBUG"),
      info: bound("INFO"),
      warn: bound("WARN"),
      error: bound("ERROR"),
    };
  }

  #log(level: MessageLevel, message: unknown, jobId: string | undefined): void {
    if (!this.isEnabled(level)) return;
    const text = truncateMessage(formatMessage(message));
    const requestId = jobId === undefined || jobId === "" ? undefined : jobId;
    let line: string;
    if (this.#env.RUNPOD_ENDPOINT_ID) {
      line = JSON.stringify({ requestId: requestId ?? null, message: text, level });
    } else if (requestId !== undefined) {
      line = `${level.padEnd(7)}| ${requestId} | ${text}`;
    } else {
      line = `${level.padEnd(7)}| ${text}`;
    }
    try {
      this.#write(line);
    } catch {
      // A closed stdout (EPIPE) must not turn logging into a crash.
    }
  }
}

/** The process-wide logger used by the SDK and available to handlers. */
export const log: Logger = new Logger();
