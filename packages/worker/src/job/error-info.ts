import { version } from "../version.js";

/**
 * The report a thrown handler error becomes, with the keys and order of the Python SDK
 * (docs/protocol.md §11.3).
 */
export interface ErrorInfo {
  error_type: string;
  error_message: string;
  error_traceback: string;
  hostname: string;
  worker_id: string;
  runpod_version: string;
}

/** Python's `str(type(err))`, e.g. `<class 'TypeError'>`, so clients that parse it keep working. */
export function pythonTypeRepr(thrown: unknown): string {
  let name: string;
  if (thrown instanceof Error) name = thrown.name || thrown.constructor?.name || "Error";
  else if (thrown === null) name = "null";
  else if (typeof thrown === "object") name = (thrown as object).constructor?.name ?? "object";
  else name = typeof thrown;
  return `<class '${name}'>`;
}

export function thrownMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message;
  if (typeof thrown === "string") return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}

export function thrownStack(thrown: unknown): string {
  if (thrown instanceof Error && typeof thrown.stack === "string") return thrown.stack;
  return `${pythonTypeRepr(thrown)}: ${thrownMessage(thrown)}`;
}

export function errorInfoFromThrown(thrown: unknown, env: NodeJS.ProcessEnv = process.env): ErrorInfo {
  return {
    error_type: pythonTypeRepr(thrown),
    error_message: thrownMessage(thrown),
    error_traceback: thrownStack(thrown),
    hostname: env.RUNPOD_POD_HOSTNAME ?? "unknown",
    worker_id: env.RUNPOD_POD_ID ?? "unknown",
    runpod_version: version,
  };
}

/**
 * Serialises like Python's `json.dumps` defaults (`", "` / `": "` separators, non-ASCII escaped), because the
 * `error` string is compared and parsed by clients written against the Python SDK.
 */
export function pythonJsonDumps(value: Record<string, string>): string {
  const asciiOnly = (text: string): string =>
    text.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const entries = Object.entries(value).map(
    ([k, v]) => `${asciiOnly(JSON.stringify(k))}: ${asciiOnly(JSON.stringify(v))}`,
  );
  return `{${entries.join(", ")}}`;
}

/** The `error` of a job-done body for a thrown handler error: a string that itself holds JSON. */
export function errorStringFromThrown(thrown: unknown, env: NodeJS.ProcessEnv = process.env): string {
  return pythonJsonDumps({ ...errorInfoFromThrown(thrown, env) });
}

/** The `error` of a generator that threw: a plain string, not the JSON report (docs/protocol.md §11.4). */
export function generatorErrorString(thrown: unknown): string {
  return `handler: ${thrownMessage(thrown)} \ntraceback: ${thrownStack(thrown)}`;
}
