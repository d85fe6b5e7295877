import { describe, expect, it } from "vitest";
import { EndpointConfigError, queueCap, resolveEndpoint } from "./endpoint.js";

describe("resolveEndpoint", () => {
  it("applies every default", () => {
    expect(resolveEndpoint({ id: "ep_1-x" })).toEqual({
      id: "ep_1-x",
      executionTimeoutMs: 600_000,
      ttlMs: 86_400_000,
      retention: { asyncMs: 1_800_000, syncMs: 60_000 },
      maxRetries: 3,
      limits: {
        runBytes: 10_485_760,
        runsyncBytes: 20_971_520,
        resultBytes: 20_971_520,
        chunkBytes: 1_048_576,
      },
      scaling: { workersMin: 0, workersMax: 3, idleTimeoutS: 5, scalerType: "QUEUE_DELAY", scalerValue: 4 },
    });
  });

  it("keeps given values, merges nested partials and copies the worker command", () => {
    const command = ["node", "worker.js"];
    const c = resolveEndpoint({
      id: "e",
      executionTimeoutMs: 5000,
      ttlMs: 10_000,
      retention: { syncMs: 1000 },
      maxRetries: 0,
      limits: { maxQueue: 7 },
      scaling: { workersMax: 10, scalerType: "REQUEST_COUNT" },
      worker: { command, cwd: "/tmp", env: { A: "1" } },
    });
    expect(c.executionTimeoutMs).toBe(5000);
    expect(c.ttlMs).toBe(10_000);
    expect(c.retention).toEqual({ asyncMs: 1_800_000, syncMs: 1000 });
    expect(c.maxRetries).toBe(0);
    expect(c.limits.maxQueue).toBe(7);
    expect(c.limits.runBytes).toBe(10_485_760);
    expect(c.scaling).toMatchObject({ workersMax: 10, workersMin: 0, scalerType: "REQUEST_COUNT" });
    expect(c.worker).toEqual({ command: ["node", "worker.js"], cwd: "/tmp", env: { A: "1" } });
    command.push("mutated");
    expect(c.worker?.command).toHaveLength(2);
  });

  it.each([
    [{ id: "bad id" }, /endpoint id must match/],
    [{ id: "" }, /endpoint id must match/],
    // The API routes ids of at most 200 characters; a longer one would be an endpoint nobody can call.
    [{ id: "e".repeat(201) }, /endpoint id must match \[A-Za-z0-9_-\]\+ and be at most 200 characters/],
    [
      { id: "e", executionTimeoutMs: 4999 },
      /executionTimeoutMs must be an integer between 5000 and 604800000/,
    ],
    [{ id: "e", ttlMs: 9999 }, /ttlMs must be an integer between 10000/],
    [{ id: "e", ttlMs: 1.5e4 + 0.5 }, /ttlMs/],
    [{ id: "e", maxRetries: -1 }, /maxRetries/],
    [{ id: "e", scaling: { workersMin: 4, workersMax: 2 } }, /workersMin \(4\) exceeds workersMax \(2\)/],
    [{ id: "e", scaling: { scalerType: "CPU" } }, /scalerType/],
    [{ id: "e", limits: "big" }, /limits must be an object/],
    [{ id: "e", worker: { command: [] } }, /worker.command must be a non-empty array/],
    [{ id: "e", worker: { command: ["x"], env: { A: 1 } } }, /worker.env.A must be a string/],
  ])("rejects %j", (input, message) => {
    expect(() => resolveEndpoint(input as never)).toThrow(EndpointConfigError);
    expect(() => resolveEndpoint(input as never)).toThrow(message);
  });

  it("queueCap is max(50, workersMax × 500) unless maxQueue is set", () => {
    expect(queueCap(resolveEndpoint({ id: "e", scaling: { workersMax: 0 } }))).toBe(50);
    expect(queueCap(resolveEndpoint({ id: "e" }))).toBe(1500);
    expect(queueCap(resolveEndpoint({ id: "e", limits: { maxQueue: 3 } }))).toBe(3);
  });
});
