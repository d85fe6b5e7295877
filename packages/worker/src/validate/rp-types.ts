/**
 * The value types of the `rp_validator` schema form and how they are checked. JavaScript has one number type,
 * so Python's `int`/`float` become the tags `"int"` (an integer-valued number) and `"float"` (any number).
 */

export type RpTypeTag = "string" | "number" | "int" | "float" | "boolean" | "object" | "array" | "null";

export type RpType =
  | StringConstructor
  | NumberConstructor
  | BooleanConstructor
  | ObjectConstructor
  | ArrayConstructor
  | RpTypeTag;

const TAGS: readonly RpTypeTag[] = ["string", "number", "int", "float", "boolean", "object", "array", "null"];

/** Maps a constructor or tag to its tag; `undefined` for anything the validator does not know. */
export function toTypeTag(type: unknown): RpTypeTag | undefined {
  switch (type) {
    case String:
      return "string";
    case Number:
      return "number";
    case Boolean:
      return "boolean";
    case Object:
      return "object";
    case Array:
      return "array";
  }
  return typeof type === "string" && (TAGS as readonly string[]).includes(type)
    ? (type as RpTypeTag)
    : undefined;
}

/** The TypeScript-style name of a value's type, used in error messages: `number`, `array`, `null`, … */
export function typeNameOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

export function matchesTag(value: unknown, tag: RpTypeTag): boolean {
  switch (tag) {
    case "string":
      return typeof value === "string";
    case "number":
    case "float":
      return typeof value === "number";
    case "int":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return typeNameOf(value) === "object";
    case "array":
      return Array.isArray(value);
    case "null":
      return value === null;
  }
}

/**
 * The Python "type of the default" for the default-type shortcut (docs/protocol.md §15.1 step 4). Integers
 * and fractional numbers are told apart, as Python's `int` and `float` are, so `{type: "int", default: 1}`
 * still rejects `1.5`.
 */
export function defaultKindOf(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return typeNameOf(value);
}
