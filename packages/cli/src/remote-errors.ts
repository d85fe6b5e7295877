/**
 * Turns failures talking to a server into one clear line: unreachable server, refused key, the server's own
 * message for unknown endpoints and jobs. Everything here exits 1 (the command could not do its work).
 */
import { GantryHttpError, GantryNetworkError, GantryTimeoutError } from "@gantry/client";
import { CommandFailed, UsageError } from "./errors.js";

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "connection closed by the server",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
};

/** The errno-style code somewhere in an error's cause chain (undici nests it two levels down). */
function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const nested = (e as { errors?: unknown }).errors;
    if (Array.isArray(nested) && nested.length > 0) {
      e = nested[0];
      continue;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The innermost message ("bad port", "getaddrinfo …"): the outer ones only say "fetch failed". */
function rootMessage(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 5; depth++) {
    const next = (e as { cause?: unknown } | null)?.cause;
    if (!(next instanceof Error)) break;
    e = next;
  }
  return e instanceof Error ? e.message : String(e);
}

export function unreachable(root: string, err: unknown): CommandFailed {
  const code = codeOf(err);
  const why = code !== undefined ? (NETWORK_CODES[code] ?? code) : rootMessage(err);
  return new CommandFailed(`cannot reach Gantry at ${root}: ${why}`);
}

function serverMessage(body: unknown): string | undefined {
  if (body && typeof body === "object" && "error" in body) {
    const e = (body as { error: unknown }).error;
    if (typeof e === "string" && e !== "") return e;
  }
  if (typeof body === "string" && body.trim() !== "") return body.trim().slice(0, 300);
  return undefined;
}

export function httpFailure(status: number, body: unknown): CommandFailed {
  if (status === 401 || status === 403)
    return new CommandFailed(`${status}: the API key was refused (set --api-key or GANTRY_API_KEY)`);
  return new CommandFailed(`${status}: ${serverMessage(body) ?? "the server gave no reason"}`);
}

/** Maps an error from the client SDK or the admin calls; lets the CLI's own errors through untouched. */
export function explainRemoteError(err: unknown, root: string): Error {
  if (err instanceof CommandFailed || err instanceof UsageError) return err;
  if (err instanceof GantryHttpError) return httpFailure(err.status, err.body);
  if (err instanceof GantryNetworkError) return unreachable(root, err);
  if (err instanceof GantryTimeoutError)
    return new CommandFailed(`no answer from Gantry at ${root}: ${err.message}`);
  if (codeOf(err) !== undefined) return unreachable(root, err);
  return err instanceof Error ? err : new Error(String(err));
}
