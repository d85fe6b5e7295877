/**
 * What every validator of this package returns: the typed value, or the exact message the API answers with
 * (`{"error": "<message>"}`). Callers turn a failure into their own error (an HTTP 400, a `TypeError`, a CLI
 * usage error) without rewording it, so a value is refused with the same words wherever it is checked.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export const accept = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const refuse = <T = never>(error: string): Parsed<T> => ({ ok: false, error });

/** A plain JSON object: not null, not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Shows a refused value in a message: JSON, cut short so a huge value cannot flood a log line. */
export function preview(value: unknown, max = 100): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
