/**
 * JSON parsing for request bodies. Public routes take strict JSON; worker posts come from Python's `json.dumps`,
 * which writes `NaN`, `Infinity` and `-Infinity` for non-finite floats. Rejecting those would lose a whole result
 * over one float, so worker bodies map them to `null` (documented in docs/api.md).
 */
import { ApiError } from "./errors.js";

/** Parses `text` as JSON or throws a 400 `json is invalid: <reason>`. */
export function parseJsonBody(text: string, opts: { pythonTokens?: boolean } = {}): unknown {
  if (text.trim() === "") throw new ApiError(400, "json is invalid: body is empty");
  try {
    return JSON.parse(text);
  } catch (err) {
    if (opts.pythonTokens) {
      const fixed = replaceNonFiniteTokens(text);
      if (fixed !== text) {
        try {
          return JSON.parse(fixed);
        } catch {
          // fall through: report the error of the original text, which is what the sender wrote
        }
      }
    }
    throw new ApiError(400, `json is invalid: ${reason(err)}`);
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const QUOTE = 34;
const BACKSLASH = 92;

/** Replaces the bare tokens NaN, Infinity and -Infinity (outside string literals) with null. */
export function replaceNonFiniteTokens(text: string): string {
  let out = "";
  let last = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      i++;
      while (i < n && text.charCodeAt(i) !== QUOTE) i += text.charCodeAt(i) === BACKSLASH ? 2 : 1;
      i++;
      continue;
    }
    const len = tokenLength(text, i);
    if (len > 0) {
      out += text.slice(last, i) + "null";
      i += len;
      last = i;
      continue;
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

function tokenLength(text: string, i: number): number {
  const ch = text[i];
  if (ch === "N" && text.startsWith("NaN", i)) return 3;
  if (ch === "I" && text.startsWith("Infinity", i)) return 8;
  if (ch === "-" && text.startsWith("-Infinity", i)) return 9;
  return 0;
}
