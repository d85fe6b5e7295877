/**
 * The worker's command-line flags, with the Python SDK's names and defaults (docs/protocol.md §12.1).
 * Like `argparse.parse_known_args`, flags the SDK does not know are handed back untouched for user code.
 */

export interface WorkerArgs {
  rp_log_level?: string;
  rp_debugger?: boolean;
  rp_serve_api?: boolean;
  rp_api_port: number;
  rp_api_host: string;
  rp_api_concurrency: number;
  /** Parsed JSON of `--test_input`. */
  test_input?: unknown;
  /** Set instead of `test_input` when `--test_input` is not valid JSON, so local test mode can say why. */
  test_input_error?: string;
}

/** A malformed SDK flag (missing value, bad number); the message names the flag and the problem. */
export class WorkerArgsError extends Error {
  override name = "WorkerArgsError";
}

type FlagKind = "string" | "boolean" | "port" | "positive-int" | "json";

const FLAGS: Record<string, FlagKind> = {
  rp_log_level: "string",
  rp_debugger: "boolean",
  rp_serve_api: "boolean",
  rp_api_port: "port",
  rp_api_host: "string",
  rp_api_concurrency: "positive-int",
  test_input: "json",
};

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

function parseInteger(flag: string, raw: string, min: number, max: number): number {
  const value = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new WorkerArgsError(
      `--${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}.`,
    );
  }
  return value;
}

function applyValue(args: WorkerArgs, flag: string, kind: FlagKind, raw: string): void {
  switch (kind) {
    case "string":
      (args as unknown as Record<string, unknown>)[flag] = raw;
      return;
    case "port":
      args.rp_api_port = parseInteger(flag, raw, 0, 65535);
      return;
    case "positive-int":
      args.rp_api_concurrency = parseInteger(flag, raw, 1, Number.MAX_SAFE_INTEGER);
      return;
    case "boolean": {
      const word = raw.trim().toLowerCase();
      if (!TRUE_WORDS.has(word) && !FALSE_WORDS.has(word)) {
        throw new WorkerArgsError(`--${flag}: expected no value or true/false, got ${JSON.stringify(raw)}.`);
      }
      (args as unknown as Record<string, unknown>)[flag] = TRUE_WORDS.has(word);
      return;
    }
    case "json":
      delete args.test_input;
      delete args.test_input_error;
      try {
        args.test_input = JSON.parse(raw);
      } catch (err) {
        args.test_input_error = (err as Error).message;
      }
      return;
  }
}

/**
 * Parses the SDK's flags out of `argv` (without the `node` and script entries, i.e. `process.argv.slice(2)`).
 * Accepts `--flag value` and `--flag=value`; a later occurrence wins. Everything else, in order, is returned
 * in `rest`, and so is everything after a `--` separator. Throws `WorkerArgsError` for a malformed SDK flag.
 */
export function parseWorkerArgs(argv: readonly string[]): { args: WorkerArgs; rest: string[] } {
  const args: WorkerArgs = { rp_api_port: 8000, rp_api_host: "localhost", rp_api_concurrency: 1 };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (!token.startsWith("--")) {
      rest.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    const flag = eq === -1 ? token.slice(2) : token.slice(2, eq);
    const kind = Object.hasOwn(FLAGS, flag) ? FLAGS[flag] : undefined;
    if (kind === undefined) {
      rest.push(token);
      continue;
    }
    if (eq !== -1) {
      applyValue(args, flag, kind, token.slice(eq + 1));
      continue;
    }
    if (kind === "boolean") {
      (args as unknown as Record<string, unknown>)[flag] = true;
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith("--")) {
      throw new WorkerArgsError(`--${flag}: expected a value.`);
    }
    applyValue(args, flag, kind, next);
    i++;
  }
  return { args, rest };
}
