/**
 * Input validation for handlers. Two schema forms: the Python SDK's `rp_validator` rules (same algorithm and
 * messages, docs/protocol.md §15.1), or any Standard Schema validator such as zod.
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ValidationResult } from "./result.js";
import { constraintError, isPlainObject, type RpSchema, runRpSchema } from "./rp-schema.js";
import { isStandardSchema, toValidationResult } from "./standard.js";

export type { ValidationResult } from "./result.js";
export type { RpRule, RpSchema } from "./rp-schema.js";
export type { RpType, RpTypeTag } from "./rp-types.js";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function checkSchema(schema: unknown): asserts schema is RpSchema {
  if (!isPlainObject(schema)) {
    throw new TypeError(
      "validate(): schema must be a Standard Schema (e.g. a zod schema) or an object of rp_validator rules",
    );
  }
}

function notAnObject(input: unknown): ValidationResult<never> {
  const kind = input === null ? "null" : Array.isArray(input) ? "array" : typeof input;
  return { errors: [`Input must be an object, not ${kind}.`] };
}

/**
 * Validates `input` synchronously. Returns `{ validatedInput }` or `{ errors }`.
 * Throws a TypeError when the schema or a constraint is asynchronous: use `validateAsync` for those.
 */
export function validate<S extends StandardSchemaV1>(
  input: unknown,
  schema: S,
): ValidationResult<StandardSchemaV1.InferOutput<S>>;
export function validate(input: unknown, schema: RpSchema): ValidationResult<Record<string, unknown>>;
export function validate(input: unknown, schema: StandardSchemaV1 | RpSchema): ValidationResult<unknown> {
  if (isStandardSchema(schema)) {
    const result = schema["~standard"].validate(input);
    if (isThenable(result)) {
      // The promise is dropped; keep a rejection from surfacing as an unhandled one.
      Promise.resolve(result).catch(() => {});
      throw new TypeError(
        "validate(): this schema validates asynchronously; use `await validateAsync(input, schema)`",
      );
    }
    return toValidationResult(result);
  }
  checkSchema(schema);
  if (!isPlainObject(input)) return notAnObject(input);
  const { entries, validatedInput } = runRpSchema(input, schema);
  const errors: string[] = [];
  for (const entry of entries) {
    if ("error" in entry) {
      errors.push(entry.error);
      continue;
    }
    if (isThenable(entry.outcome)) {
      Promise.resolve(entry.outcome).catch(() => {});
      throw new TypeError(
        `validate(): the constraints of ${entry.key} returned a Promise; use \`await validateAsync(input, schema)\``,
      );
    }
    if (!entry.outcome) errors.push(constraintError(entry.key));
  }
  return errors.length > 0 ? { errors } : { validatedInput };
}

/** Like `validate`, but also accepts asynchronous schemas (e.g. zod async refinements) and async constraints. */
export async function validateAsync<S extends StandardSchemaV1>(
  input: unknown,
  schema: S,
): Promise<ValidationResult<StandardSchemaV1.InferOutput<S>>>;
export async function validateAsync(
  input: unknown,
  schema: RpSchema,
): Promise<ValidationResult<Record<string, unknown>>>;
export async function validateAsync(
  input: unknown,
  schema: StandardSchemaV1 | RpSchema,
): Promise<ValidationResult<unknown>> {
  if (isStandardSchema(schema)) return toValidationResult(await schema["~standard"].validate(input));
  checkSchema(schema);
  if (!isPlainObject(input)) return notAnObject(input);
  const { entries, validatedInput } = runRpSchema(input, schema);
  // Settle every constraint up front: a rejection must be handled before we get round to awaiting it.
  const settled = entries.map((entry) =>
    "error" in entry
      ? entry.error
      : Promise.resolve(entry.outcome).then(
          (passed) => (passed ? undefined : constraintError(entry.key)),
          () => constraintError(entry.key),
        ),
  );
  const errors = (await Promise.all(settled)).filter((error): error is string => error !== undefined);
  return errors.length > 0 ? { errors } : { validatedInput };
}
