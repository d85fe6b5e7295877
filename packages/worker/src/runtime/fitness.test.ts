import { afterEach, describe, expect, it } from "vitest";
import { readWorkerEnv } from "../env.js";
import {
  clearFitnessChecks,
  failureReason,
  registeredFitnessChecks,
  registerFitnessCheck,
  runFitnessChecks,
  systemFitnessChecks,
} from "./fitness.js";

afterEach(() => clearFitnessChecks());

describe("fitness checks (docs/protocol.md §9.4)", () => {
  it("registers checks in order and returns the function unchanged", () => {
    const a = () => {};
    const b = async () => {};
    expect(registerFitnessCheck(a)).toBe(a);
    registerFitnessCheck(b);
    expect(registeredFitnessChecks()).toEqual([a, b]);
    expect(() => registerFitnessCheck("x" as never)).toThrow(TypeError);
  });

  it("runs sync and async checks in order and stops at the first failure", async () => {
    const ran: string[] = [];
    const result = await runFitnessChecks([
      () => void ran.push("one"),
      async function gpu_check() {
        ran.push("two");
        throw new RangeError("no gpu");
      },
      () => void ran.push("three"),
    ]);
    expect(ran).toEqual(["one", "two"]);
    expect(result).toEqual({ ok: false, check: "gpu_check", reason: "RangeError: no gpu" });
    expect(await runFitnessChecks([() => false])).toEqual({ ok: true });
  });

  it("cuts the reason to 256 characters", () => {
    expect(failureReason(new Error("x".repeat(500)))).toHaveLength(256);
    expect(failureReason("plain")).toBe("string: plain");
  });

  it("has lenient built-in checks that pass here and can be skipped", async () => {
    const env = readWorkerEnv({});
    expect(await runFitnessChecks(systemFitnessChecks(env))).toEqual({ ok: true });
    expect(systemFitnessChecks(readWorkerEnv({ RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: "true" }))).toEqual([]);
    const strict = readWorkerEnv({ RUNPOD_MIN_MEMORY_GB: "100000" });
    const result = await runFitnessChecks(systemFitnessChecks(strict));
    expect(result).toMatchObject({ ok: false, check: "memoryCheck" });
  });
});
