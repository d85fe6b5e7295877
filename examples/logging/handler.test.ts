import { describe, expect, it } from "vitest";
import { indexOfMessage, runExample } from "../test-helpers.js";

describe("logging example", () => {
  it("logs start, detail and completion with the job id and duration", async () => {
    const run = await runExample("logging");
    expect(run.code).toBe(0);
    expect(run.result).toEqual({
      output: { count: 6, mean: 18, median: 15.5, stddev: expect.closeTo(12.3153, 3), min: 4, max: 42 },
    });
    const started = indexOfMessage(run, "Job started: logging-demo-1");
    const detail = indexOfMessage(run, "Input has 6 numbers");
    const completed = run.messages.findIndex((m) => /Job completed: logging-demo-1 in \d+\.\d{2}s/.test(m));
    expect(started).toBeGreaterThan(-1);
    expect(detail).toBeGreaterThan(started);
    expect(completed).toBeGreaterThan(detail);
    // The job-bound logger prefixes each line with the job id.
    expect(run.stdout).toMatch(/INFO {3}\| logging-demo-1 \| Job started: logging-demo-1/);
  });

  it("logs the failure reason and lets the SDK report the error", async () => {
    const run = await runExample("logging", { testInput: { id: "bad-1", input: { numbers: [1, "two"] } } });
    expect(run.code).toBe(1);
    expect(
      indexOfMessage(run, "Job failed: bad-1 - numbers must contain only finite numbers"),
    ).toBeGreaterThan(-1);
    expect(indexOfMessage(run, "Job completed")).toBe(-1);
  });

  it("hides DEBUG lines at INFO level", async () => {
    const run = await runExample("logging", { env: { RUNPOD_LOG_LEVEL: "INFO" } });
    expect(run.code).toBe(0);
    expect(indexOfMessage(run, "Job started: logging-demo-1")).toBeGreaterThan(-1);
    expect(indexOfMessage(run, "Input has 6 numbers")).toBe(-1);
  });

  it("writes JSON lines with the job id as requestId on the platform", async () => {
    const run = await runExample("logging", { env: { RUNPOD_ENDPOINT_ID: "ep-test" } });
    expect(run.code).toBe(0);
    const started = run.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { requestId: string | null; message: string; level: string })
      .find((l) => l.message.startsWith("Job started"));
    expect(started).toEqual({
      requestId: "logging-demo-1",
      message: "Job started: logging-demo-1",
      level: "INFO",
    });
  });
});
