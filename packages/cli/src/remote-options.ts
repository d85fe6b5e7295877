/**
 * The options every command that talks to a running server shares (`--url`, `--api-key`, `--json`) and how they
 * resolve: flag, then environment, then what `gantry serve` left behind in `./.gantry/secrets.json`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Endpoint } from "@gantry/client";
import { type Command, Option } from "commander";
import { UsageError } from "./errors.js";
import type { CliIo } from "./io.js";

export const DEFAULT_URL = "http://127.0.0.1:8080";

export interface RemoteFlags {
  url?: string;
  apiKey?: string;
  json?: boolean;
}

export interface Remote {
  /** The server root, e.g. `http://127.0.0.1:8080` (no `/v2`, no trailing slash). */
  root: string;
  apiKey: string | undefined;
  json: boolean;
}

/** Adds `--url`, `--api-key` and `--json` to a command. */
export function withRemoteOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option("--url <baseUrl>", `server root or its /v2 base (env GANTRY_URL; default ${DEFAULT_URL})`),
    )
    .addOption(
      new Option(
        "--api-key <key>",
        "API key (env GANTRY_API_KEY; default: apiKey in ./.gantry/secrets.json)",
      ),
    )
    .option("--json", "print JSON for scripts instead of human-readable text");
}

/** `http://h:8080`, `http://h:8080/`, `http://h:8080/v2` and `http://h:8080/v2/` all name the same server. */
export function serverRoot(raw: string): string {
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`--url must be an http(s) URL, got "${raw}"`);
  if (url.search !== "" || url.hash !== "")
    throw new UsageError(`--url must not carry a query or fragment, got "${raw}"`);
  const path = url.pathname.replace(/\/+$/, "").replace(/\/v2$/, "");
  return `${url.origin}${path}`;
}

function keyFromSecrets(cwd: string): string | undefined {
  const path = join(cwd, ".gantry", "secrets.json");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const key = (parsed as { apiKey?: unknown } | null)?.apiKey;
    return typeof key === "string" && key !== "" ? key : undefined;
  } catch {
    throw new UsageError(`${path} is not valid JSON; pass --api-key or set GANTRY_API_KEY`);
  }
}

export function resolveRemote(flags: RemoteFlags, io: CliIo): Remote {
  const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== "" ? v.trim() : undefined);
  const root = serverRoot(nonEmpty(flags.url) ?? nonEmpty(io.env.GANTRY_URL) ?? DEFAULT_URL);
  if (flags.apiKey !== undefined && flags.apiKey.trim() === "") throw new UsageError("--api-key is empty");
  const apiKey = nonEmpty(flags.apiKey) ?? nonEmpty(io.env.GANTRY_API_KEY) ?? keyFromSecrets(io.cwd);
  return { root, apiKey, json: flags.json === true };
}

/**
 * A client for one endpoint. Retries are kept short: a person at a terminal wants "cannot reach" within a second
 * or two, not after the SDK's patient default backoff.
 */
export function endpointClient(remote: Remote, endpointId: string): Endpoint {
  return new Endpoint(endpointId, {
    baseUrl: `${remote.root}/v2`,
    // An empty string stops the SDK from falling back to RUNPOD_API_KEY from the environment.
    apiKey: remote.apiKey ?? "",
    retry: { retries: 2, minDelayMs: 200, maxDelayMs: 1_500 },
  });
}
