// In-process tests of local test mode; the same paths through a real child process are in test-mode.process.test.ts.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseWorkerArgs } from "../args.js";
import type { NormalizedConfig } from "../config.js";
import { Logger } from "../logger.js";
import { getActiveProgressSink } from "../runtime/active.js";
import { progressUpdate } from "../runtime/progress.js";
import type { Handler } from "../types.js";
import { runLocalTest } from "./test-mode.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gantry-local-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(handler: Handler, returnAggregateStream = false): NormalizedConfig {
  return { handler, returnAggregateStream, refreshWorker: false };
}

async function run(
  handler: Handler,
  argv: string[],
  opts: { level?: string; aggregate?: boolean; env?: NodeJS.ProcessEnv } = {},
) {
  const lines: string[] = [];
  const printed: string[] = [];
  const logger = new Logger({ write: (l) => lines.push(l), env: {}, level: opts.level ?? "DEBUG" });
  const code = await runLocalTest(config(handler, opts.aggregate), parseWorkerArgs(argv).args, {
    cwd: dir,
    logger,
    env: opts.env ?? {},
    print: (l) => printed.push(l),
  });
  return { code, lines, printed };
}

describe("runLocalTest", () => {
  it("runs the --test_input job and prints the result lines", async () => {
    let seen: unknown;
    const { code, lines } = await run(
      (job, ctx) => {
        seen = { job, workerId: ctx.workerId, aborted: ctx.signal.aborted };
        return { doubled: (job.input as { n: number }).n * 2 };
      },
      ["--test_input", '{"input":{"n":21},"webhook":"http://x"}'],
    );
    expect(code).toBe(0);
    expect(seen).toEqual({
      job: { id: "local_test", input: { n: 21 }, webhook: "http://x" },
      workerId: "local",
      aborted: false,
    });
    expect(lines).toContain("INFO   | Using --test_input as job input.");
    expect(lines.slice(-3)).toEqual([
      "INFO   | Job local_test completed successfully.",
      'INFO   | Job result: {"output":{"doubled":42}}',
      "INFO   | Local testing complete, exiting.",
    ]);
  });

  it("keeps a given id and uses RUNPOD_POD_ID as the worker id", async () => {
    let workerId = "";
    const { code, lines } = await run(
      (_job, ctx) => {
        workerId = ctx.workerId;
        return "ok";
      },
      ["--test_input", '{"id":"mine","input":1}'],
      { env: { RUNPOD_POD_ID: "pod-9" } },
    );
    expect(code).toBe(0);
    expect(workerId).toBe("pod-9");
    expect(lines).toContain("INFO   | Job mine completed successfully.");
    expect(lines).toContain('INFO   | Job result: {"output":"ok"}');
  });

  it("reads test_input.json from the CWD", async () => {
    await writeFile(path.join(dir, "test_input.json"), '{"input": {"from": "file"}}');
    const { code, lines } = await run((job) => job.input, []);
    expect(code).toBe(0);
    expect(lines).toContain("INFO   | Using test_input.json as job input.");
    expect(lines).toContain('INFO   | Job result: {"output":{"from":"file"}}');
  });

  it("prefers --test_input over test_input.json", async () => {
    await writeFile(path.join(dir, "test_input.json"), '{"input": "file"}');
    const { lines } = await run((job) => job.input, ["--test_input", '{"input":"flag"}']);
    expect(lines).toContain('INFO   | Job result: {"output":"flag"}');
  });

  it("exits 1 with a warning when there is no input at all", async () => {
    const { code, lines } = await run(() => "never", []);
    expect(code).toBe(1);
    expect(lines).toEqual(["WARN   | test_input.json not found, exiting."]);
  });

  it("exits 1 on invalid JSON in the flag, naming the flag", async () => {
    const { code, lines } = await run(() => "never", ["--test_input", "{nope"]);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ERROR {2}\| --test_input is not valid JSON: .*JSON/);
  });

  it("exits 1 on invalid JSON in the file, naming the file", async () => {
    await writeFile(path.join(dir, "test_input.json"), "{ input: 1 }");
    const { code, lines } = await run(() => "never", []);
    expect(code).toBe(1);
    expect(lines[0]).toContain(`${path.join(dir, "test_input.json")} is not valid JSON: `);
  });

  it("exits 1 when the job has no input or a null input, or is not an object", async () => {
    for (const json of ['{"id":"x"}', '{"input":null}', "[1,2]", "7"]) {
      const { code, lines } = await run(() => "never", ["--test_input", json]);
      expect(code).toBe(1);
      expect(lines).toEqual(["ERROR  | Job has no input parameter. Unable to run."]);
    }
  });

  it("accepts falsy but present inputs such as 0 and false", async () => {
    const { code } = await run((job) => job.input, ["--test_input", '{"input":0}']);
    expect(code).toBe(0);
  });

  it("exits 1 and logs the JSON-string error of a throwing handler", async () => {
    const { code, lines } = await run(() => {
      throw new TypeError("bad input");
    }, ["--test_input", '{"input":{}}']);
    expect(code).toBe(1);
    const failed = lines.find((l) => l.startsWith("ERROR  | Job local_test failed with error: "));
    expect(failed).toBeDefined();
    const info = JSON.parse(failed!.slice("ERROR  | Job local_test failed with error: ".length));
    expect(info.error_message).toBe("bad input");
    expect(lines.some((l) => l.includes("completed successfully"))).toBe(false);
  });

  it("exits 1 when the handler returns an error", async () => {
    const { code, lines } = await run(() => ({ error: "nope" }), ["--test_input", '{"input":{}}']);
    expect(code).toBe(1);
    expect(lines).toContain("ERROR  | Job local_test failed with error: nope");
  });

  it("iterates generators, printing each chunk, and aggregates when configured", async () => {
    const { code, lines } = await run(
      function* () {
        yield { i: 0 };
        yield "two";
      },
      ["--test_input", '{"input":{}}'],
      { aggregate: true },
    );
    expect(code).toBe(0);
    expect(lines).toContain('INFO   | Stream chunk: {"i":0}');
    expect(lines).toContain('INFO   | Stream chunk: "two"');
    expect(lines).toContain('INFO   | Job result: {"output":[{"i":0},"two"]}');
  });

  it("prints progress from the context and from progressUpdate in the wire shape", async () => {
    const { code, lines } = await run(
      async (job, ctx) => {
        await ctx.progress(50, "halfway");
        await ctx.progress({ pct: 75 });
        await progressUpdate(job, 90, "almost");
        return "done";
      },
      ["--test_input", '{"input":{}}'],
    );
    expect(code).toBe(0);
    expect(lines.filter((l) => l.includes("Progress: "))).toEqual([
      'INFO   | Progress: {"progress":50,"message":"halfway"}',
      'INFO   | Progress: {"pct":75}',
      'INFO   | Progress: {"progress":90,"message":"almost"}',
    ]);
  });

  it("ignores (with a warning) progress for a job other than the local one", async () => {
    const { code, lines } = await run(async () => {
      await progressUpdate({ id: "someone-else" }, 5);
      return "ok";
    }, ["--test_input", '{"input":{}}']);
    expect(code).toBe(0);
    expect(lines).toContain(
      "WARN   | Progress update for job someone-else, which is not the local test job; ignored.",
    );
    expect(lines.some((l) => l.includes("Progress: "))).toBe(false);
  });

  it("registers a progress sink only while the job runs", async () => {
    let during: unknown;
    await run(() => {
      during = getActiveProgressSink();
      return 1;
    }, ["--test_input", '{"input":{}}']);
    expect(typeof during).toBe("function");
    expect(getActiveProgressSink()).toBeUndefined();
  });

  it("prints the Job result line even when the log level hides INFO", async () => {
    const { code, lines, printed } = await run(() => "quiet", ["--test_input", '{"input":{}}'], {
      level: "WARN",
    });
    expect(code).toBe(0);
    expect(lines).toEqual([]);
    expect(printed).toEqual(['Job result: {"output":"quiet"}']);
  });

  it("removes its SIGINT listener afterwards", async () => {
    const before = process.listenerCount("SIGINT");
    await run(() => 1, ["--test_input", '{"input":{}}']);
    expect(process.listenerCount("SIGINT")).toBe(before);
  });
});
