/** Parsers for option values; each throws a `UsageError` naming the option, so bad input exits 2. */
import { InvalidArgumentError } from "commander";

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
  if (!/^[A-Za-z0-9_-]+$/.test(raw))
    throw new InvalidArgumentError(`must match [A-Za-z0-9_-]+, got "${raw}"`);
  return raw;
}
