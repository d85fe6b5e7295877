import { describe, expect, it } from "vitest";
import { LOG_LEVELS, Logger, MAX_MESSAGE_LENGTH, parseLogLevel, truncateMessage } from "./logger.js";

function capture(env: NodeJS.ProcessEnv = {}, level?: string | number) {
  const lines: string[] = [];
  const logger = new Logger({
    write: (line) => lines.push(line),
    env,
    ...(level === undefined ? {} : { level }),
  });
  return { logger, lines };
}

describe("Logger plain format", () => {
  it("pads the level to 7 characters and adds the job id when given", () => {
    const { logger, lines } = capture();
    logger.info("Started.", "job-1");
    logger.debug("get_job: nothing");
    logger.error("boom");
    logger.warn("careful", "j2");
    logger.trace("hidden at DEBUG");
    expect(lines).toEqual([
      "INFO   | job-1 | Started.",
      "DEBUG  | get_job: nothing",
      "ERROR  | boom",
      "WARN   | j2 | careful",
    ]);
  });

  it("formats non-string messages: Errors with their stack, objects as JSON, primitives as text", () => {
    const { logger, lines } = capture();
    const err = new Error("bad thing");
    logger.info(err);
    logger.info({ a: 1, b: [true, null] });
    logger.info(42);
    logger.info(undefined);
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    logger.info(circular);
    expect(lines[0]).toBe(`INFO   | ${err.stack}`);
    expect(lines[0]).toContain("Error: bad thing");
    expect(lines[1]).toBe('INFO   | {"a":1,"b":[true,null]}');
    expect(lines[2]).toBe("INFO   | 42");
    expect(lines[3]).toBe("INFO   | undefined");
    expect(lines[4]).toContain("loop");
    expect(lines[4]).toContain("Circular");
  });
});

describe("Logger levels", () => {
  it("filters by index: a message prints when its level is at or above the logger's", () => {
    const { logger, lines } = capture({}, "WARN");
    logger.trace("t");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(lines).toEqual(["WARN   | w", "ERROR  | e"]);
  });

  it("TRACE prints everything", () => {
    const { logger, lines } = capture({}, "trace");
    for (const method of ["trace", "debug", "info", "warn", "error"] as const) logger[method](method);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe("TRACE  | trace");
  });

  it("NOTSET prints nothing, not even errors", () => {
    const { logger, lines } = capture({}, "NOTSET");
    logger.error("e");
    logger.warn("w");
    expect(lines).toEqual([]);
  });

  it("setLevel accepts case-insensitive names and indexes and logs the change at INFO", () => {
    const { logger, lines } = capture();
    logger.setLevel("info");
    expect(logger.getLevel()).toBe("INFO");
    logger.setLevel(5);
    expect(logger.getLevel()).toBe("ERROR");
    logger.setLevel(3);
    expect(logger.getLevel()).toBe("INFO");
    logger.setLevel("Warn");
    expect(logger.getLevel()).toBe("WARN");
    expect(lines).toEqual(["INFO   | Log level set to INFO", "INFO   | Log level set to INFO"]);
  });

  it("setLevel rejects unknown names and out-of-range indexes with a clear error and keeps the level", () => {
    const { logger } = capture({}, "INFO");
    expect(() => logger.setLevel("VERBOSE")).toThrow(
      /Invalid log level 'VERBOSE'.*NOTSET, TRACE, DEBUG, INFO, WARN, ERROR/,
    );
    expect(() => logger.setLevel(6)).toThrow(/Invalid log level index 6/);
    expect(() => logger.setLevel(-1)).toThrow(/Invalid log level index -1/);
    expect(() => logger.setLevel(1.5)).toThrow(/Invalid log level index 1.5/);
    expect(logger.getLevel()).toBe("INFO");
  });

  it("parseLogLevel maps every index to the Python order", () => {
    expect(LOG_LEVELS.map((_, i) => parseLogLevel(i))).toEqual([
      "NOTSET",
      "TRACE",
      "DEBUG",
      "INFO",
      "WARN",
      "ERROR",
    ]);
    expect(parseLogLevel("3")).toBe("INFO");
    expect(parseLogLevel(" error ")).toBe("ERROR");
  });
});

describe("Logger initial level from the environment", () => {
  it("defaults to DEBUG", () => {
    expect(capture().logger.getLevel()).toBe("DEBUG");
  });

  it("reads RUNPOD_LOG_LEVEL first, then RUNPOD_DEBUG_LEVEL", () => {
    expect(capture({ RUNPOD_LOG_LEVEL: "error", RUNPOD_DEBUG_LEVEL: "INFO" }).logger.getLevel()).toBe(
      "ERROR",
    );
    expect(capture({ RUNPOD_DEBUG_LEVEL: "info" }).logger.getLevel()).toBe("INFO");
    expect(capture({ RUNPOD_LOG_LEVEL: "", RUNPOD_DEBUG_LEVEL: "WARN" }).logger.getLevel()).toBe("WARN");
  });

  it("an invalid env value does not throw: it warns and uses DEBUG", () => {
    const { logger, lines } = capture({ RUNPOD_LOG_LEVEL: "LOUD" });
    expect(logger.getLevel()).toBe("DEBUG");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^WARN {3}\| Invalid log level 'LOUD'.*\(from RUNPOD_LOG_LEVEL\); using DEBUG\.$/,
    );
  });

  it("an explicit level option overrides the environment", () => {
    expect(capture({ RUNPOD_LOG_LEVEL: "ERROR" }, "TRACE").logger.getLevel()).toBe("TRACE");
  });
});

describe("Logger JSON mode", () => {
  it("prints one JSON object per line when RUNPOD_ENDPOINT_ID is set", () => {
    const { logger, lines } = capture({ RUNPOD_ENDPOINT_ID: "ep1" });
    logger.info("Started.", "job-1");
    logger.warn({ x: 1 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { requestId: "job-1", message: "Started.", level: "INFO" },
      { requestId: null, message: '{"x":1}', level: "WARN" },
    ]);
    expect(Object.keys(JSON.parse(lines[0]!))).toEqual(["requestId", "message", "level"]);
  });

  it("reads the environment on every line, so JSON mode can change at runtime", () => {
    const env: NodeJS.ProcessEnv = {};
    const { logger, lines } = capture(env);
    logger.info("plain");
    env.RUNPOD_ENDPOINT_ID = "ep";
    logger.info("json");
    expect(lines[0]).toBe("INFO   | plain");
    expect(JSON.parse(lines[1]!)).toEqual({ requestId: null, message: "json", level: "INFO" });
  });
});

describe("Logger truncation", () => {
  it("keeps messages of exactly the limit", () => {
    const text = "x".repeat(MAX_MESSAGE_LENGTH);
    expect(truncateMessage(text)).toBe(text);
  });

  it("cuts the middle of longer messages and says how much was cut", () => {
    const text = "a".repeat(3000) + "b".repeat(3000);
    const { logger, lines } = capture();
    logger.info(text);
    const expected = `${"a".repeat(2048)}\n...TRUNCATED 1904 CHARACTERS...\n${"b".repeat(2048)}`;
    expect(lines[0]).toBe(`INFO   | ${expected}`);
  });

  it("truncates inside JSON lines too", () => {
    const { logger, lines } = capture({ RUNPOD_ENDPOINT_ID: "ep" });
    logger.info("z".repeat(5000));
    const parsed = JSON.parse(lines[0]!) as { message: string };
    expect(parsed.message).toContain("...TRUNCATED 904 CHARACTERS...");
    expect(parsed.message.length).toBe(4096 + "\n...TRUNCATED 904 CHARACTERS...\n".length);
  });
});

describe("Logger.forJob", () => {
  it("binds the job id", () => {
    const { logger, lines } = capture();
    const jobLog = logger.forJob({ id: "abc" });
    jobLog.info("Finished.");
    jobLog.error(new Error("x"));
    expect(lines[0]).toBe("INFO   | abc | Finished.");
    expect(lines[1]).toMatch(/^ERROR {2}\| abc \| Error: x\n/);
  });

  it("prefixes [batchId=<id>] for jobs that carry one", () => {
    const { logger, lines } = capture();
    logger.forJob({ id: "j1", batchId: "b7" }).info("Started.");
    logger.forJob({ id: "j2", batchId: "b7" }).info({ n: 1 });
    logger.forJob({ id: "j3", batchId: null }).info("no batch");
    expect(lines).toEqual([
      "INFO   | j1 | [batchId=b7] Started.",
      'INFO   | j2 | [batchId=b7] {"n":1}',
      "INFO   | j3 | no batch",
    ]);
  });

  it("follows the logger's level changes", () => {
    const { logger, lines } = capture({}, "DEBUG");
    const jobLog = logger.forJob({ id: "j" });
    logger.setLevel("ERROR");
    jobLog.info("hidden");
    jobLog.error("shown");
    // The "Log level set to ERROR" notice is INFO, so the new level already hides it.
    expect(lines).toEqual(["ERROR  | j | shown"]);
  });
});

describe("Logger sink failures", () => {
  it("a throwing sink does not propagate", () => {
    const logger = new Logger({
      env: {},
      write: () => {
        throw new Error("EPIPE");
      },
    });
    expect(() => logger.error("x")).not.toThrow();
  });

  it("secret masks all but the first and last character", () => {
    const { logger, lines } = capture();
    logger.secret("API_KEY", "footballsecret");
    expect(lines).toEqual(["INFO   | API_KEY: f*****t"]);
  });
});
