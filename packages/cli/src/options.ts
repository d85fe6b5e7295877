/** Parsers for option values; each throws commander's `InvalidArgumentError`, so bad input exits 2. */
import { type Parsed, parseId } from "@gantry/protocol";
import { InvalidArgumentError } from "commander";

/**
 * The value a @gantry/protocol validator parsed, or its message as the reason the argument is refused: the
 * CLI refuses what the server would, in the server's words.
 */
export function argument<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new InvalidArgumentError(parsed.error);
  return parsed.value;
}

export function parsePort(raw: string): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`must be an integer from 0 to 65535, got "${raw}"`);
  }
  return n;
}

export function parseHost(raw: string): string {
  const h = raw.trim();
  if (h === "" || /[\s/]/.test(h))
    throw new InvalidArgumentError(`must be a host name or IP address, got "${raw}"`);
  return h;
}

export function parseEndpointId(raw: string): string {
  return argument(parseId("endpoint", raw));
}
