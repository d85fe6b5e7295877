/**
 * Keeps secrets out of the server's logs. Field names cannot be trusted to find them (a worker's unhealthy
 * reason, an error message or a child's output may quote a key), so every line is scrubbed of the secret
 * VALUES themselves just before it is written. The one line allowed to show a secret is the first-start API
 * key notice, logged before that key is registered here.
 */
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

export const REDACTED = "[redacted]";

/** Shorter values are not scrubbed: they would mangle ordinary text (configured secrets are ≥ 8 characters). */
export const MIN_SCRUBBED_LENGTH = 8;

export class SecretScrubber {
  /** Longest first, so a secret containing another is replaced whole. */
  private needles: string[] = [];

  /** Registers secret values; each is also matched in its JSON-escaped form (how it appears in a log line). */
  add(values: Iterable<string | undefined>): void {
    const set = new Set(this.needles);
    for (const v of values) {
      if (typeof v !== "string" || v.length < MIN_SCRUBBED_LENGTH) continue;
      set.add(v);
      set.add(JSON.stringify(v).slice(1, -1));
    }
    this.needles = [...set].sort((a, b) => b.length - a.length);
  }

  get size(): number {
    return this.needles.length;
  }

  scrub(text: string): string {
    let out = text;
    for (const n of this.needles) if (out.includes(n)) out = out.split(n).join(REDACTED);
    return out;
  }
}

/** Header-shaped fields are redacted by path too, whatever their value. */
const REDACT_PATHS = [
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "apiKeys",
  "workerSecret",
  "*.workerSecret",
  "RUNPOD_AI_API_KEY",
  "*.RUNPOD_AI_API_KEY",
  "env.RUNPOD_AI_API_KEY",
];

/** The server's own pino logger: JSON lines, scrubbed by `scrubber` at write time. */
export function createScrubbedLogger(
  scrubber: SecretScrubber,
  options: Pick<LoggerOptions, "level" | "base">,
  destination?: DestinationStream,
): Logger {
  const opts: LoggerOptions = {
    ...options,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: (line) => (scrubber.size === 0 ? line : scrubber.scrub(line)) },
  };
  return destination ? pino(opts, destination) : pino(opts);
}
