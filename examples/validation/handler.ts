/**
 * Input validation: manual checks first (clear messages, cheap), then a zod schema through the SDK's
 * `validate()`, which fills defaults and returns every problem as `"<path>: <message>"`.
 * Invalid input returns `{ error, status: "VALIDATION_ERROR" }`; valid input continues with typed values.
 *
 * No model here: the output is the normalised request the model would receive.
 */
import { type Job, start, validate } from "@gantry/worker";
import { validateInput } from "./manual.js";
import { InferenceInput } from "./schema.js";

function handler(job: Job) {
  const [ok, message] = validateInput(job.input);
  if (!ok) return { error: message, status: "VALIDATION_ERROR" };

  const checked = validate(job.input, InferenceInput);
  if (checked.errors) return { error: checked.errors.join("; "), status: "VALIDATION_ERROR" };
  const { prompt, max_tokens, temperature, messages } = checked.validatedInput;

  const conversation = messages ?? [{ role: "user" as const, content: prompt ?? "" }];
  return {
    output: {
      messages: conversation,
      max_tokens,
      temperature,
      prompt_characters: conversation.reduce((n, m) => n + m.content.length, 0),
    },
  };
}

start({ handler });
