/**
 * Manual input validation: cheap checks with hand-written messages, run before the schema.
 * Returns `[ok, message]` like the seed's `validate_input`.
 */
export function validateInput(input: unknown): [ok: boolean, message: string] {
  if (input === null || typeof input !== "object" || Object.keys(input).length === 0) {
    return [false, "Empty input"];
  }
  const fields = input as Record<string, unknown>;

  // Required fields
  if (!("prompt" in fields) && !("messages" in fields))
    return [false, "Either 'prompt' or 'messages' required"];

  // Type checks
  if ("max_tokens" in fields) {
    if (typeof fields.max_tokens !== "number" || !Number.isInteger(fields.max_tokens)) {
      return [false, "max_tokens must be integer"];
    }
    if (fields.max_tokens > 4096) return [false, "max_tokens exceeds limit of 4096"];
  }

  // Content checks
  if (typeof fields.prompt === "string" && fields.prompt.length > 100_000) {
    return [false, "prompt exceeds 100k character limit"];
  }
  return [true, ""];
}
