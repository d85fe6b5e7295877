/**
 * The `rp_validator` schema form (docs/protocol.md §15.1): same algorithm, same error order and the same
 * messages as the Python SDK, with type names adapted to TypeScript.
 */
import { inspect } from "node:util";
import { defaultKindOf, matchesTag, type RpType, type RpTypeTag, toTypeTag, typeNameOf } from "./rp-types.js";

export interface RpRule {
  /** One type or a list of accepted types. */
  type: RpType | readonly RpType[];
  /** Required by the algorithm: a rule without it is reported as `<key> is a required input.` */
  required: boolean;
  /** Used when the key is absent and not required; a value of the default's type also skips the type check. */
  default?: unknown;
  /** Called with the value, or with `undefined` when the key is absent; a falsy result is an error. */
  // biome-ignore lint/suspicious/noExplicitAny: lets users type the parameter, e.g. `(v: number) => v > 0`.
  constraints?: (value: any) => unknown;
}

/** Maps each accepted input key to its rules; a rules value may also be JSON text (which cannot hold constraints). */
export type RpSchema = Record<string, RpRule | string>;

/** One step of the result, in order: a finished message, or a constraint call whose result may still be pending. */
export type RpEntry = { error: string } | { key: string; outcome: unknown };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function parseRules(raw: unknown): Record<string, unknown> | undefined {
  if (isPlainObject(raw)) return raw;
  if (typeof raw !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function typeTags(type: unknown): RpTypeTag[] | undefined {
  const list = Array.isArray(type) ? type : [type];
  const tags = list.map(toTypeTag);
  if (tags.length === 0 || tags.some((tag) => tag === undefined)) return undefined;
  return tags as RpTypeTag[];
}

function cloneDefault(value: unknown): unknown {
  // Python hands every job the same default object; a handler that mutates it would leak into later jobs.
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

function callConstraint(constraint: (value: unknown) => unknown, value: unknown): unknown {
  try {
    return constraint(value);
  } catch {
    return false;
  }
}

/**
 * Runs the algorithm up to the constraint results, which the caller resolves (sync or async).
 * Order: unexpected keys; unusable rules; per schema key missing type / required / defaults;
 * then per schema key its type check followed by its constraint.
 */
export function runRpSchema(
  input: Record<string, unknown>,
  schema: RpSchema,
): { entries: RpEntry[]; validatedInput: Record<string, unknown> } {
  const entries: RpEntry[] = [];
  const fail = (error: string) => entries.push({ error });

  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(schema, key)) fail(`Unexpected input. ${key} is not a valid input option.`);
  }

  const rules = new Map<string, Record<string, unknown>>();
  for (const [key, raw] of Object.entries(schema)) {
    const parsed = parseRules(raw);
    if (parsed === undefined) fail(`Schema error, ${key} is not a dictionary.`);
    else rules.set(key, parsed);
  }

  const validatedInput: Record<string, unknown> = { ...input };
  const tagsByKey = new Map<string, RpTypeTag[]>();
  for (const [key, rule] of rules) {
    if (!("type" in rule)) {
      fail(`Schema error, missing type for ${key}.`);
    } else {
      const tags = typeTags(rule.type);
      if (tags === undefined) fail(`Schema error, unknown type ${inspect(rule.type)} for ${key}.`);
      else tagsByKey.set(key, tags);
    }
    const present = Object.hasOwn(input, key);
    if (!("required" in rule)) {
      fail(`${key} is a required input.`);
    } else if (rule.required && !present) {
      fail(`${key} is a required input.`);
    } else if (!rule.required && !present) {
      if ("default" in rule) validatedInput[key] = cloneDefault(rule.default);
      else fail(`Schema error, missing default value for ${key}.`);
    }
  }

  for (const [key, rule] of rules) {
    const tags = tagsByKey.get(key);
    if (tags !== undefined && Object.hasOwn(validatedInput, key)) {
      const value = validatedInput[key];
      const skip = "default" in rule && defaultKindOf(value) === defaultKindOf(rule.default);
      if (!skip && !tags.some((tag) => matchesTag(value, tag))) {
        fail(`${key} should be ${tags.join(" | ")} type, not ${typeNameOf(value)}.`);
      }
    }
    if ("constraints" in rule && rule.constraints !== undefined) {
      const constraint = rule.constraints;
      if (typeof constraint !== "function") {
        fail(`Schema error, constraints for ${key} is not a function.`);
      } else {
        const value = Object.hasOwn(validatedInput, key) ? validatedInput[key] : undefined;
        entries.push({ key, outcome: callConstraint(constraint as (value: unknown) => unknown, value) });
      }
    }
  }

  return { entries, validatedInput };
}

export function constraintError(key: string): string {
  return `${key} does not meet the constraints.`;
}
