/** Shared plumbing of the commands that call a running server: option parsers and error translation. */
import { InvalidArgumentError } from "commander";
import type { CliIo } from "./io.js";
import { explainRemoteError } from "./remote-errors.js";
import { type Remote, type RemoteFlags, resolveRemote } from "./remote-options.js";

export function parseJobId(raw: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(raw))
    throw new InvalidArgumentError(`must match [A-Za-z0-9_-]+, got "${raw}"`);
  return raw;
}

export function parseWorkerId(raw: string): string {
  return parseJobId(raw);
}

export function parsePositiveSeconds(raw: string): number {
  const n = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n > 0) || n > 7 * 24 * 3600)
    throw new InvalidArgumentError(`must be a number of seconds > 0, got "${raw}"`);
  return n;
}

export function parseMs(raw: string): number {
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new InvalidArgumentError(`must be a whole number of milliseconds > 0, got "${raw}"`);
  return n;
}

export function parseCount(max: number): (raw: string) => number {
  return (raw) => {
    const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isSafeInteger(n) || n > max)
      throw new InvalidArgumentError(`must be a whole number from 0 to ${max}, got "${raw}"`);
    return n;
  };
}

export function parseHttpUrl(raw: string): string {
  let ok = false;
  try {
    const u = new URL(raw);
    ok = u.protocol === "http:" || u.protocol === "https:";
  } catch {
    ok = false;
  }
  if (!ok) throw new InvalidArgumentError(`must be an http(s) URL, got "${raw}"`);
  return raw;
}

/** Resolves `--url`/`--api-key`/`--json`, runs `body`, and reports any failure talking to the server in one line. */
export async function withRemote<T>(
  flags: RemoteFlags,
  io: CliIo,
  body: (remote: Remote) => Promise<T>,
): Promise<T> {
  const remote = resolveRemote(flags, io);
  try {
    return await body(remote);
  } catch (err) {
    throw explainRemoteError(err, remote.root);
  }
}
