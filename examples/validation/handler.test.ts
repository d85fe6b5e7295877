import { describe, expect, it } from "vitest";
import { runExample } from "../test-helpers.js";
import { runOnPlatform } from "../test-platform.js";

/** Runs the example locally on `input` and returns the error it failed with. */
async function failure(input: unknown): Promise<string> {
  const run = await runExample("validation", { testInput: { input } });
  expect(run.code).toBe(1);
  expect(run.failure).toBeDefined();
  return run.failure ?? "";
}

describe("validation example", () => {
  it("fills schema defaults for valid input", async () => {
    const run = await runExample("validation");
    expect(run.code).toBe(0);
    expect(run.result).toEqual({
      output: {
        output: {
          messages: [{ role: "user", content: "Write a haiku about queues." }],
          max_tokens: 512,
          temperature: 0.2,
          prompt_characters: 27,
        },
      },
    });
  });

  it("accepts messages instead of a prompt", async () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is 2+2?" },
    ];
    const run = await runExample("validation", { testInput: { input: { messages, max_tokens: 100 } } });
    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({
      output: { output: { messages, max_tokens: 100, prompt_characters: 21 } },
    });
  });

  it("reports the manual checks' messages", async () => {
    const [empty, missing, notInt, tooMany] = await Promise.all([
      failure({}),
      failure({ temperature: 1 }),
      failure({ prompt: "x", max_tokens: 1.5 }),
      failure({ prompt: "x", max_tokens: 5000 }),
    ]);
    expect(empty).toBe("Empty input");
    expect(missing).toBe("Either 'prompt' or 'messages' required");
    expect(notInt).toBe("max_tokens must be integer");
    expect(tooMany).toBe("max_tokens exceeds limit of 4096");
  });

  it("reports every schema problem with its path", async () => {
    const errors = (await failure({ prompt: "x", max_tokens: 0, temperature: 3, extra: true })).split("; ");
    expect(errors).toContain("max_tokens: max_tokens must be between 1 and 4096");
    expect(errors).toContain("temperature: temperature must be between 0 and 2");
    expect(errors.some((e) => e.includes("extra"))).toBe(true);
  });

  it("rejects a malformed message", async () => {
    expect(await failure({ messages: [{ role: "robot", content: "hi" }] })).toMatch(/^messages\.0\.role: /);
  });

  it("gives the platform the error with status VALIDATION_ERROR", async () => {
    const run = await runOnPlatform("validation", {
      id: "job-invalid",
      input: { prompt: "x", temperature: -1 },
    });
    expect(run.result).toEqual({
      error: "temperature: temperature must be between 0 and 2",
      output: { status: "VALIDATION_ERROR" },
    });
  });
});
