/** Shared plumbing of the commands that call a running server: option parsers and error translation. */
import { parseId, parsePolicy, parseWebhookUrl } from "@gantry/protocol";
import { InvalidArgumentError } from "commander";
import type { CliIo } from "./io.js";
import { argument } from "./options.js";
import { explainRemoteError } from "./remote-errors.js";
import { type Remote, type RemoteFlags, resolveRemote } from "./remote-options.js";

export function parseJobId(raw: string): string {
  return argument(parseId("job", raw));
}

export function parseWorkerId(raw: string): string {
  return argument(parseId("worker", raw));
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

/** `--webhook`: the server's rule for a webhook URL. */
export function parseWebhook(raw: string): string {
  return argument(parseWebhookUrl(raw));
}

/** `--execution-timeout` / `--ttl`: whole ms within the range the server accepts for that policy field. */
export function parsePolicyMs(name: "executionTimeout" | "ttl"): (raw: string) => number {
  return (raw) => {
    const ms = parseMs(raw);
    argument(parsePolicy({ [name]: ms }));
    return ms;
  };
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
