import { describe, expect, it } from "vitest";
import { parseWorkerArgs, WorkerArgsError } from "./args.js";

describe("parseWorkerArgs", () => {
  it("returns the Python defaults for an empty command line", () => {
    expect(parseWorkerArgs([])).toEqual({
      args: { rp_api_port: 8000, rp_api_host: "localhost", rp_api_concurrency: 1 },
      rest: [],
    });
  });

  it("parses every flag in the `--flag value` form", () => {
    const { args, rest } = parseWorkerArgs([
      "--rp_log_level",
      "info",
      "--rp_debugger",
      "--rp_serve_api",
      "--rp_api_port",
      "9001",
      "--rp_api_host",
      "0.0.0.0",
      "--rp_api_concurrency",
      "2",
      "--test_input",
      '{"input":{"a":1}}',
    ]);
    expect(args).toEqual({
      rp_log_level: "info",
      rp_debugger: true,
      rp_serve_api: true,
      rp_api_port: 9001,
      rp_api_host: "0.0.0.0",
      rp_api_concurrency: 2,
      test_input: { input: { a: 1 } },
    });
    expect(rest).toEqual([]);
  });

  it("parses the `--flag=value` form, including values that contain `=`", () => {
    const { args } = parseWorkerArgs([
      "--rp_api_port=7000",
      "--rp_api_host=127.0.0.1",
      '--test_input={"input":{"q":"a=b"}}',
      "--rp_serve_api=false",
      "--rp_debugger=true",
    ]);
    expect(args.rp_api_port).toBe(7000);
    expect(args.rp_api_host).toBe("127.0.0.1");
    expect(args.test_input).toEqual({ input: { q: "a=b" } });
    expect(args.rp_serve_api).toBe(false);
    expect(args.rp_debugger).toBe(true);
  });

  it("leaves unknown flags, their values and positionals in `rest`, in order", () => {
    const { args, rest } = parseWorkerArgs([
      "--model",
      "llama",
      "--rp_api_port",
      "8100",
      "input.txt",
      "--verbose",
      "-x",
      "--rp_api_portx=1",
    ]);
    expect(args.rp_api_port).toBe(8100);
    expect(rest).toEqual(["--model", "llama", "input.txt", "--verbose", "-x", "--rp_api_portx=1"]);
  });

  it("stops at `--` and keeps it and everything after it for user code", () => {
    const { args, rest } = parseWorkerArgs(["--rp_debugger", "--", "--rp_serve_api", "x"]);
    expect(args.rp_debugger).toBe(true);
    expect(args.rp_serve_api).toBeUndefined();
    expect(rest).toEqual(["--", "--rp_serve_api", "x"]);
  });

  it("does not throw on invalid --test_input JSON: it records the parse error instead", () => {
    const { args } = parseWorkerArgs(["--test_input", "{input: 1}"]);
    expect(args.test_input).toBeUndefined();
    expect(args.test_input_error).toMatch(/JSON/);
  });

  it("accepts any JSON value for --test_input (local test mode checks the shape)", () => {
    expect(parseWorkerArgs(["--test_input", "null"]).args).toHaveProperty("test_input", null);
    expect(parseWorkerArgs(["--test_input=[1]"]).args.test_input).toEqual([1]);
  });

  it("a later occurrence wins, and a valid --test_input clears an earlier error", () => {
    const { args } = parseWorkerArgs([
      "--test_input",
      "{",
      "--test_input",
      '{"input":2}',
      "--rp_api_port=1",
      "--rp_api_port=2",
    ]);
    expect(args.test_input).toEqual({ input: 2 });
    expect(args.test_input_error).toBeUndefined();
    expect(args.rp_api_port).toBe(2);
  });

  it("throws a clear WorkerArgsError for malformed SDK flags", () => {
    expect(() => parseWorkerArgs(["--rp_api_port", "http"])).toThrow(WorkerArgsError);
    expect(() => parseWorkerArgs(["--rp_api_port", "http"])).toThrow(
      '--rp_api_port: expected an integer from 0 to 65535, got "http".',
    );
    expect(() => parseWorkerArgs(["--rp_api_port=70000"])).toThrow(/from 0 to 65535/);
    expect(() => parseWorkerArgs(["--rp_api_port=80.5"])).toThrow(/integer/);
    expect(() => parseWorkerArgs(["--rp_api_concurrency", "0"])).toThrow(
      /--rp_api_concurrency: expected an integer from 1/,
    );
    expect(() => parseWorkerArgs(["--rp_log_level"])).toThrow("--rp_log_level: expected a value.");
    expect(() => parseWorkerArgs(["--test_input", "--rp_debugger"])).toThrow(
      "--test_input: expected a value.",
    );
    expect(() => parseWorkerArgs(["--rp_serve_api=maybe"])).toThrow(
      /--rp_serve_api: expected no value or true\/false/,
    );
  });

  it("does not treat inherited object keys as flags", () => {
    const { rest } = parseWorkerArgs(["--toString", "--constructor=1"]);
    expect(rest).toEqual(["--toString", "--constructor=1"]);
  });
});
