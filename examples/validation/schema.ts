/**
 * The input schema of the validation example, written with zod (the TypeScript counterpart of the seed's
 * pydantic model). Any Standard Schema library works with the SDK's `validate()`.
 */
import { z } from "zod";

export const InferenceInput = z
  .object({
    prompt: z.string().optional(),
    max_tokens: z
      .number()
      .int()
      .refine((v) => v >= 1 && v <= 4096, "max_tokens must be between 1 and 4096")
      .default(512),
    temperature: z
      .number()
      .refine((v) => v >= 0 && v <= 2, "temperature must be between 0 and 2")
      .default(0.7),
    messages: z
      .array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() }))
      .optional(),
  })
  .strict()
  .refine(
    (v) => v.prompt !== undefined || v.messages !== undefined,
    "Either 'prompt' or 'messages' required",
  );

export type InferenceInput = z.infer<typeof InferenceInput>;
