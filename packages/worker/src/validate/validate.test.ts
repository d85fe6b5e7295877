import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type RpSchema, validate, validateAsync } from "./index.js";

describe("validate (rp_validator form): messages", () => {
  it("passes a valid input through as a shallow copy with defaults filled in", () => {
    const input = { prompt: "hi", nested: { a: 1 } };
    const schema: RpSchema = {
      prompt: { type: String, required: true },
      nested: { type: Object, required: false, default: {} },
      max_tokens: { type: "int", required: false, default: 512 },
      temperature: { type: "float", required: false, default: 0.7 },
    };
    const result = validate(input, schema);
    expect(result).toEqual({
      validatedInput: { prompt: "hi", nested: { a: 1 }, max_tokens: 512, temperature: 0.7 },
    });
    expect(result.validatedInput).not.toBe(input);
    expect(result.validatedInput?.nested).toBe(input.nested);
    expect(input).toEqual({ prompt: "hi", nested: { a: 1 } });
  });

  it("reports unexpected input keys", () => {
    expect(validate({ a: "x", b: 1 }, { a: { type: String, required: true } })).toEqual({
      errors: ["Unexpected input. b is not a valid input option."],
    });
  });

  it("reports a missing required input", () => {
    expect(validate({}, { a: { type: String, required: true } })).toEqual({
      errors: ["a is a required input."],
    });
  });

  it("reports a rule without `required` with the required-input message (Python quirk), even when present", () => {
    const schema = { a: { type: String } } as unknown as RpSchema;
    expect(validate({ a: "x" }, schema)).toEqual({ errors: ["a is a required input."] });
  });

  it("reports a rule without `type`", () => {
    const schema = { a: { required: true } } as unknown as RpSchema;
    expect(validate({ a: 1 }, schema)).toEqual({ errors: ["Schema error, missing type for a."] });
  });

  it("reports an unknown type", () => {
    const schema = { a: { type: Date, required: true } } as unknown as RpSchema;
    expect(validate({ a: 1 }, schema)).toEqual({
      errors: ["Schema error, unknown type [Function: Date] for a."],
    });
  });

  it("reports an optional key without a default when it is absent, and accepts it when present", () => {
    const schema: RpSchema = { a: { type: Number, required: false } };
    expect(validate({}, schema)).toEqual({ errors: ["Schema error, missing default value for a."] });
    expect(validate({ a: 2 }, schema)).toEqual({ validatedInput: { a: 2 } });
  });

  it("reports wrong types with TypeScript type names", () => {
    const schema: RpSchema = {
      s: { type: String, required: true },
      n: { type: Number, required: true },
      b: { type: Boolean, required: true },
      o: { type: Object, required: true },
      a: { type: Array, required: true },
      i: { type: "int", required: true },
      z: { type: "null", required: true },
    };
    const result = validate({ s: 1, n: "1", b: null, o: [], a: {}, i: 1.5, z: false }, schema);
    expect(result).toEqual({
      errors: [
        "s should be string type, not number.",
        "n should be number type, not string.",
        "b should be boolean type, not null.",
        "o should be object type, not array.",
        "a should be array type, not object.",
        "i should be int type, not number.",
        "z should be null type, not boolean.",
      ],
    });
  });

  it("accepts a list of types and names all of them in the message", () => {
    const schema: RpSchema = { v: { type: [String, "null"], required: true } };
    expect(validate({ v: null }, schema)).toEqual({ validatedInput: { v: null } });
    expect(validate({ v: "x" }, schema)).toEqual({ validatedInput: { v: "x" } });
    expect(validate({ v: 3 }, schema)).toEqual({ errors: ["v should be string | null type, not number."] });
  });

  it("maps every tag and constructor to the right check", () => {
    const ok = (type: RpSchema[string], value: unknown) =>
      validate({ v: value }, { v: typeof type === "string" ? type : { ...type, required: true } }).errors ===
      undefined;
    expect(ok({ type: "string", required: true }, "x")).toBe(true);
    expect(ok({ type: "number", required: true }, 1.5)).toBe(true);
    expect(ok({ type: "float", required: true }, 2)).toBe(true);
    expect(ok({ type: "int", required: true }, 2)).toBe(true);
    expect(ok({ type: "int", required: true }, true)).toBe(false);
    expect(ok({ type: "boolean", required: true }, false)).toBe(true);
    expect(ok({ type: "object", required: true }, {})).toBe(true);
    expect(ok({ type: "object", required: true }, null)).toBe(false);
    expect(ok({ type: "array", required: true }, [])).toBe(true);
    expect(ok({ type: Number, required: true }, "1")).toBe(false);
  });

  it("skips the type check when the value has the default's type", () => {
    const schema: RpSchema = {
      name: { type: String, required: false, default: null },
      count: { type: "int", required: false, default: 1 },
    };
    expect(validate({ name: null }, schema)).toEqual({ validatedInput: { name: null, count: 1 } });
    // An integer default does not make a fractional number acceptable where an int is expected.
    expect(validate({ count: 1.5 }, schema)).toEqual({ errors: ["count should be int type, not number."] });
  });

  it("reports failed constraints, calling them with the value", () => {
    const seen: unknown[] = [];
    const schema: RpSchema = {
      n: {
        type: Number,
        required: true,
        constraints: (v: number) => {
          seen.push(v);
          return v > 0;
        },
      },
    };
    expect(validate({ n: -1 }, schema)).toEqual({ errors: ["n does not meet the constraints."] });
    expect(validate({ n: 5 }, schema)).toEqual({ validatedInput: { n: 5 } });
    expect(seen).toEqual([-1, 5]);
  });

  it("calls constraints with undefined when the key is absent, and with the default when one applies", () => {
    const seen: unknown[] = [];
    const record = (v: unknown) => {
      seen.push(v);
      return true;
    };
    const schema: RpSchema = {
      missing: { type: String, required: true, constraints: record },
      defaulted: { type: String, required: false, default: "d", constraints: record },
    };
    expect(validate({}, schema)).toEqual({ errors: ["missing is a required input."] });
    expect(seen).toEqual([undefined, "d"]);
  });

  it("treats a throwing constraint as not met and a truthy non-boolean as met", () => {
    const schema: RpSchema = {
      a: {
        type: String,
        required: true,
        constraints: () => {
          throw new Error("bug");
        },
      },
      b: { type: String, required: true, constraints: (v: string) => v.length },
    };
    expect(validate({ a: "x", b: "y" }, schema)).toEqual({ errors: ["a does not meet the constraints."] });
  });

  it("reports constraints that are not a function", () => {
    const schema = { a: { type: String, required: true, constraints: 5 } } as unknown as RpSchema;
    expect(validate({ a: "x" }, schema)).toEqual({
      errors: ["Schema error, constraints for a is not a function."],
    });
  });
});

describe("validate (rp_validator form): JSON-string rules", () => {
  it("parses rules given as JSON text, without mutating the caller's schema", () => {
    const schema: RpSchema = {
      a: '{"type": "int", "required": false, "default": 3}',
      b: { type: String, required: true },
    };
    const copy = { ...schema };
    expect(validate({ b: "x" }, schema)).toEqual({ validatedInput: { a: 3, b: "x" } });
    expect(validate({ a: "no", b: "x" }, schema)).toEqual({ errors: ["a should be int type, not string."] });
    expect(schema).toEqual(copy);
  });

  it("reports rules that are neither an object nor JSON text of an object, and skips them afterwards", () => {
    const schema = {
      a: "{not json",
      b: "[1,2]",
      c: 7,
      d: { type: String, required: true },
    } as unknown as RpSchema;
    expect(validate({ a: 1, d: "x" }, schema)).toEqual({
      errors: [
        "Schema error, a is not a dictionary.",
        "Schema error, b is not a dictionary.",
        "Schema error, c is not a dictionary.",
      ],
    });
  });
});

describe("validate (rp_validator form): algorithm order", () => {
  it("orders errors: unexpected keys, schema errors, per-key presence checks, then per-key type + constraint", () => {
    const schema = {
      broken: "nope",
      first: { type: Number, required: true, constraints: (v: unknown) => v === 100 },
      second: { required: true },
      third: { type: String, required: true },
      fourth: { type: Boolean, required: false },
      fifth: { type: String, required: true, constraints: () => false },
    } as unknown as RpSchema;
    const result = validate({ extra1: 1, first: "1", extra2: 2, fifth: 5 }, schema);
    expect(result.errors).toEqual([
      "Unexpected input. extra1 is not a valid input option.",
      "Unexpected input. extra2 is not a valid input option.",
      "Schema error, broken is not a dictionary.",
      "Schema error, missing type for second.",
      "second is a required input.",
      "third is a required input.",
      "Schema error, missing default value for fourth.",
      "first should be number type, not string.",
      "first does not meet the constraints.",
      "fifth should be string type, not number.",
      "fifth does not meet the constraints.",
    ]);
  });

  it("reports both a missing type and the missing `required` of the same rule, type first", () => {
    const schema = { a: {} } as unknown as RpSchema;
    expect(validate({}, schema)).toEqual({
      errors: ["Schema error, missing type for a.", "a is a required input."],
    });
  });
});

describe("validate (rp_validator form): defaults", () => {
  it("gives each result its own copy of an object default", () => {
    const schema: RpSchema = { tags: { type: Array, required: false, default: ["a"] } };
    const first = validate({}, schema).validatedInput as { tags: string[] };
    first.tags.push("mutated");
    expect(validate({}, schema).validatedInput).toEqual({ tags: ["a"] });
  });
});

describe("validate: bad arguments", () => {
  it("returns an error for a non-object input", () => {
    const schema: RpSchema = { a: { type: String, required: false, default: "" } };
    expect(validate(null, schema)).toEqual({ errors: ["Input must be an object, not null."] });
    expect(validate([1], schema)).toEqual({ errors: ["Input must be an object, not array."] });
    expect(validate("x", schema)).toEqual({ errors: ["Input must be an object, not string."] });
  });

  it("throws a TypeError for a schema that is neither form", () => {
    expect(() => validate({}, null as unknown as RpSchema)).toThrow(TypeError);
    expect(() => validate({}, [] as unknown as RpSchema)).toThrow(/Standard Schema/);
  });
});

describe("validate (Standard Schema form, zod 4)", () => {
  const InferenceInput = z.object({
    prompt: z.string(),
    max_tokens: z.number().int().min(1).max(4096).default(512),
    temperature: z.number().min(0).max(2).default(0.7),
    messages: z.array(z.object({ role: z.string(), content: z.string() })).optional(),
  });

  it("returns the parsed output, defaults included, typed by the schema", () => {
    const result = validate({ prompt: "hi" }, InferenceInput);
    expect(result).toEqual({ validatedInput: { prompt: "hi", max_tokens: 512, temperature: 0.7 } });
    if (result.validatedInput) {
      const tokens: number = result.validatedInput.max_tokens;
      expect(tokens).toBe(512);
    }
  });

  it("formats issues as `<dotted path>: <message>`", () => {
    const result = validate(
      { prompt: 3, max_tokens: 0, messages: [{ role: "user", content: 1 }] },
      InferenceInput,
    );
    expect(result.errors).toHaveLength(3);
    expect(result.errors?.[0]).toMatch(/^prompt: Invalid input: expected string, received number$/);
    expect(result.errors?.[1]).toMatch(/^max_tokens: Too small: expected number to be >=1$/);
    expect(result.errors?.[2]).toMatch(
      /^messages\.0\.content: Invalid input: expected string, received number$/,
    );
  });

  it("omits the path for issues at the root", () => {
    expect(validate("nope", InferenceInput)).toEqual({
      errors: ["Invalid input: expected object, received string"],
    });
    const refined = z.object({ a: z.number(), b: z.number() }).refine((v) => v.a < v.b, "a must be below b");
    expect(validate({ a: 2, b: 1 }, refined)).toEqual({ errors: ["a must be below b"] });
  });

  it("throws a TypeError pointing at validateAsync for an asynchronous schema", () => {
    const asyncSchema = z
      .object({ name: z.string() })
      .refine(async (v) => v.name !== "taken", "name is taken");
    expect(() => validate({ name: "x" }, asyncSchema)).toThrow(TypeError);
    expect(() => validate({ name: "x" }, asyncSchema)).toThrow(/validateAsync/);
  });

  it("validateAsync runs async refinements", async () => {
    const asyncSchema = z.object({ name: z.string() }).refine(async (v) => v.name !== "taken", {
      message: "name is taken",
      path: ["name"],
    });
    expect(await validateAsync({ name: "free" }, asyncSchema)).toEqual({ validatedInput: { name: "free" } });
    expect(await validateAsync({ name: "taken" }, asyncSchema)).toEqual({ errors: ["name: name is taken"] });
  });

  it("validateAsync accepts synchronous schemas too", async () => {
    expect(await validateAsync({ prompt: "x", temperature: 3 }, InferenceInput)).toEqual({
      errors: ["temperature: Too big: expected number to be <=2"],
    });
  });

  it("works with a hand-written Standard Schema and symbol/segment paths", () => {
    const custom = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: () => ({ issues: [{ message: "bad", path: [{ key: "a" }, 0, Symbol("s")] }] }),
      },
    };
    expect(validate({}, custom)).toEqual({ errors: ["a.0.s: bad"] });
  });
});

describe("validateAsync (rp_validator form)", () => {
  it("awaits async constraints in schema order", async () => {
    const schema: RpSchema = {
      a: { type: String, required: true, constraints: async () => false },
      b: { type: String, required: true, constraints: async () => true },
      c: { type: Number, required: true, constraints: () => Promise.reject(new Error("down")) },
    };
    expect(await validateAsync({ a: "x", b: "y", c: "z" }, schema)).toEqual({
      errors: [
        "a does not meet the constraints.",
        "c should be number type, not string.",
        "c does not meet the constraints.",
      ],
    });
  });

  it("sync validate refuses an async constraint with a TypeError", () => {
    const schema: RpSchema = { a: { type: String, required: true, constraints: async () => true } };
    expect(() => validate({ a: "x" }, schema)).toThrow(/constraints of a returned a Promise.*validateAsync/);
  });

  it("returns the same messages as validate for synchronous rules", async () => {
    const schema: RpSchema = { a: { type: "int", required: true } };
    expect(await validateAsync({ a: "1", b: 2 }, schema)).toEqual(validate({ a: "1", b: 2 }, schema));
  });
});
