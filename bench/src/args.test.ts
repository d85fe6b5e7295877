import { describe, expect, it } from "vitest";
import { parseBenchArgs } from "./args.js";

const KNOWN = ["throughput", "latency"];

describe("parseBenchArgs", () => {
  it("reads scenarios and options", () => {
    expect(parseBenchArgs(["latency", "--smoke", "--rounds", "2", "--jobs", "100"], KNOWN)).toEqual({
      scenarios: ["latency"],
      smoke: true,
      rounds: 2,
      jobs: 100,
      help: false,
    });
  });

  it("rejects unknown scenarios, unknown flags and bad numbers with a clear message", () => {
    expect(() => parseBenchArgs(["nope"], KNOWN)).toThrow(
      /unknown scenario "nope"; known: throughput, latency/,
    );
    expect(() => parseBenchArgs(["--fast"], KNOWN)).toThrow(/unknown option --fast/);
    expect(() => parseBenchArgs(["--rounds", "0"], KNOWN)).toThrow(/--rounds needs a positive integer/);
    expect(() => parseBenchArgs(["--jobs"], KNOWN)).toThrow(/--jobs needs a positive integer, got nothing/);
    expect(() => parseBenchArgs(["--out", "--smoke"], KNOWN)).toThrow(/--out needs a value/);
  });
});
