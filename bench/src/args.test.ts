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

  it("reads --store and --database-url, and refuses bad or orphan values", () => {
    expect(parseBenchArgs(["throughput", "--store", "postgres"], KNOWN)).toMatchObject({
      scenarios: ["throughput"],
      store: "postgres",
    });
    expect(
      parseBenchArgs(["--store", "postgres", "--database-url", "postgresql://u@db:5432/x"], KNOWN)
        .databaseUrl,
    ).toBe("postgresql://u@db:5432/x");
    expect(parseBenchArgs(["--store", "sqlite"], KNOWN).store).toBe("sqlite");
    expect(() => parseBenchArgs(["--store", "mysql"], KNOWN)).toThrow(
      /--store must be sqlite or postgres, got "mysql"/,
    );
    expect(() => parseBenchArgs(["--store"], KNOWN)).toThrow(/--store needs a value/);
    expect(() => parseBenchArgs(["--store", "postgres", "--database-url", "mysql://db/x"], KNOWN)).toThrow(
      /--database-url must be a postgres:\/\/ or postgresql:\/\/ URL/,
    );
    expect(() => parseBenchArgs(["--database-url", "postgres://db/x"], KNOWN)).toThrow(
      /--database-url is only used with --store postgres/,
    );
  });
});
