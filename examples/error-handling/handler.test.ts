import { describe, expect, it } from "vitest";
import { outputOf, runExample } from "../test-helpers.js";
import { runOnPlatform } from "../test-platform.js";

describe("error-handling example", () => {
  it("returns output with status SUCCESS for valid input", async () => {
    const run = await runExample("error-handling");
    expect(run.code).toBe(0);
    const output = outputOf<{ output: { digest: string; rounds: number; payload_keys: number } }>(run);
    expect(output).toMatchObject({ status: "SUCCESS", output: { rounds: 1000, payload_keys: 2 } });
    expect(output.output.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it("exits 1 in local test mode and prints the error", async () => {
    const run = await runExample("error-handling", { testInput: { input: { simulate: "oom" } } });
    expect(run.code).toBe(1);
    expect(run.failure).toBe("Out of memory. Reduce input size or buffer_mb.");
  });

  // Each simulated failure and the mapping the seed gives it, as the platform receives it: the SDK takes
  // `error` out of the returned object, so `status` and `retry` (and `traceback`) stay in `output`.
  const cases = [
    {
      simulate: "validation",
      status: "VALIDATION_FAILED",
      retry: false,
      error: /^buffer_mb must be a non-negative number$/,
    },
    {
      simulate: "oom",
      status: "OOM_ERROR",
      retry: false,
      error: /^Out of memory\. Reduce input size or buffer_mb\.$/,
    },
    { simulate: "timeout", status: "TIMEOUT", retry: true, error: /^Request timed out$/ },
    {
      simulate: "connection",
      status: "CONNECTION_ERROR",
      retry: true,
      error: /^Connection error: 127\.0\.0\.1:\d+ ECONNREFUSED$/,
    },
    { simulate: "unknown", status: "UNKNOWN_ERROR", retry: true, error: /JSON/ },
  ] as const;

  for (const c of cases) {
    it(`maps simulate=${c.simulate} to ${c.status} (retry ${c.retry})`, async () => {
      const run = await runOnPlatform("error-handling", {
        id: `job-${c.simulate}`,
        input: { simulate: c.simulate },
      });
      const result = run.result as {
        error: string;
        output: { status: string; retry: boolean; traceback?: string };
      };
      expect(Object.keys(result).sort()).toEqual(["error", "output"]);
      expect(result.error).toMatch(c.error);
      expect(result.output.status).toBe(c.status);
      expect(result.output.retry).toBe(c.retry);
      if (c.status === "UNKNOWN_ERROR") expect(result.output.traceback).toMatch(/SyntaxError[\s\S]*\n\s+at /);
      else expect(result.output.traceback).toBeUndefined();
      expect(run.code).toBe(0); // graceful shutdown after SIGTERM
    });
  }

  it("rejects an unknown simulate value as a validation failure", async () => {
    const run = await runOnPlatform("error-handling", { id: "job-meteor", input: { simulate: "meteor" } });
    expect(run.result).toEqual({
      error: "simulate must be one of validation, oom, timeout, connection, unknown",
      output: { status: "VALIDATION_FAILED", retry: false },
    });
  });
});
