/** Validation through any Standard Schema library (zod, valibot, arktype, …), with RunPod-style error strings. */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ValidationResult } from "./result.js";

export function isStandardSchema(schema: unknown): schema is StandardSchemaV1 {
  if (schema === null || (typeof schema !== "object" && typeof schema !== "function")) return false;
  const props = (schema as { "~standard"?: unknown })["~standard"];
  return (
    props !== null &&
    typeof props === "object" &&
    typeof (props as { validate?: unknown }).validate === "function"
  );
}

function pathKey(segment: PropertyKey | StandardSchemaV1.PathSegment): string {
  const key = typeof segment === "object" && segment !== null ? segment.key : segment;
  return typeof key === "symbol" ? (key.description ?? key.toString()) : String(key);
}

/** `"<path>: <message>"` with the path dotted (`messages.0.role`), or the bare message for the root. */
export function formatIssue(issue: StandardSchemaV1.Issue): string {
  const path = (issue.path ?? []).map(pathKey).join(".");
  return path === "" ? issue.message : `${path}: ${issue.message}`;
}

export function toValidationResult<T>(result: StandardSchemaV1.Result<T>): ValidationResult<T> {
  if (result.issues) return { errors: result.issues.map(formatIssue) };
  return { validatedInput: result.value };
}
