// Local test mode end to end: real child processes run the fixtures through `start()`.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";

const FIXTURES = fileURLToPath(new URL("./__fixtures__/", import.meta.url));
// Absolute, because the children run in a temp CWD where bare `tsx` does not resolve.
const TSX = import.meta.resolve("tsx");

const children = new Set<ChildProcess>();
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gantry-local-proc-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("RUNPOD_")) env[key] = value;
  }
  return { ...env, ...extra };
}

interface RunResult {
  code: number | null;
  lines: string[];
  stderr: string;
}

function runFixture(
  fixture: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onLine?: (line: string, child: ChildProcess) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", TSX, path.join(FIXTURES, fixture), ...args], {
      cwd: dir,
      env: cleanEnv(env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      const parts = pending.split("\n");
      pending = parts.pop() ?? "";
      for (const line of parts) onLine?.(line, child);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    // Generous: two shared cores and a TypeScript loader; only a hang should ever hit this.
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, lines: stdout.split("\n").filter((l) => l !== ""), stderr });
    });
  });
}

describe("local test mode in a child process", () => {
  it("sync handler: prints the banner, the result lines, and exits 0", async () => {
    const { code, lines, stderr } = await runFixture("sync-handler.ts", [
      "--test_input",
      '{"input":{"a":1},"extra":"kept"}',
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(lines[0]).toBe("--- Starting Serverless Worker |  Version 0.1.0 ---");
    expect(lines.slice(-3)).toEqual([
      "INFO   | Job local_test completed successfully.",
      'INFO   | Job result: {"output":{"echo":{"a":1},"id":"local_test","extra":"kept"}}',
      "INFO   | Local testing complete, exiting.",
    ]);
  });

  it("sync handler returning an error: exits 1", async () => {
    const { code, lines } = await runFixture("sync-handler.ts", [
      "--test_input",
      '{"input":{"error":"nope"}}',
    ]);
    expect(code).toBe(1);
    expect(lines).toContain("ERROR  | Job local_test failed with error: nope");
  });

  it("async handler with the `=` flag form and a job logger line", async () => {
    const { code, lines } = await runFixture("async-handler.ts", [
      '--test_input={"id":"j-7","input":{"n":21}}',
    ]);
    expect(code).toBe(0);
    expect(lines).toContain("INFO   | j-7 | doubling 21");
    expect(lines).toContain('INFO   | Job result: {"output":42}');
  });

  it("generator handler: prints every chunk, aggregates the output", async () => {
    const { code, lines } = await runFixture("generator-handler.ts", [
      "--test_input",
      '{"input":{"count":3}}',
    ]);
    expect(code).toBe(0);
    expect(lines.filter((l) => l.includes("Stream chunk: "))).toEqual([
      'INFO   | Stream chunk: {"i":0}',
      'INFO   | Stream chunk: {"i":1}',
      'INFO   | Stream chunk: {"i":2}',
    ]);
    expect(lines).toContain('INFO   | Job result: {"output":[{"i":0},{"i":1},{"i":2}]}');
  });

  it("throwing handler: exits 1 with the JSON-string error info", async () => {
    const { code, lines } = await runFixture("throwing-handler.ts", ["--test_input", '{"input":{}}']);
    expect(code).toBe(1);
    const prefix = "ERROR  | Job local_test failed with error: ";
    const failed = lines.find((l) => l.startsWith(prefix));
    expect(failed).toBeDefined();
    const info = JSON.parse(failed!.slice(prefix.length)) as Record<string, string>;
    expect(info.error_type).toBe("<class 'RangeError'>");
    expect(info.error_message).toBe("kaboom");
  });

  it("progress handler: context progress (with message) and progressUpdate are printed in order", async () => {
    const { code, lines } = await runFixture("progress-handler.ts", ["--test_input", '{"input":{}}']);
    expect(code).toBe(0);
    expect(lines.filter((l) => l.includes("Progress: "))).toEqual([
      'INFO   | Progress: {"progress":50,"message":"halfway"}',
      'INFO   | Progress: {"pct":75}',
      'INFO   | Progress: {"progress":90,"message":"almost"}',
    ]);
    expect(lines.indexOf('INFO   | Progress: {"progress":90,"message":"almost"}')).toBeLessThan(
      lines.indexOf('INFO   | Job result: {"output":"done"}'),
    );
  });

  it("reads test_input.json from the CWD", async () => {
    await writeFile(
      path.join(dir, "test_input.json"),
      JSON.stringify({ id: "file-job", input: { from: "file" } }),
    );
    const { code, lines } = await runFixture("sync-handler.ts", []);
    expect(code).toBe(0);
    expect(lines).toContain("INFO   | Using test_input.json as job input.");
    expect(lines).toContain(
      'INFO   | Job result: {"output":{"echo":{"from":"file"},"id":"file-job","extra":null}}',
    );
  });

  it("missing test_input.json: warns and exits 1", async () => {
    const { code, lines } = await runFixture("sync-handler.ts", []);
    expect(code).toBe(1);
    expect(lines).toContain("WARN   | test_input.json not found, exiting.");
  });

  it("invalid JSON in the file or the flag: exits 1 and says which", async () => {
    await writeFile(path.join(dir, "test_input.json"), "{oops");
    const fromFile = await runFixture("sync-handler.ts", []);
    expect(fromFile.code).toBe(1);
    expect(
      fromFile.lines.some(
        (l) => l.startsWith("ERROR  | ") && l.includes("test_input.json is not valid JSON: "),
      ),
    ).toBe(true);
    const fromFlag = await runFixture("sync-handler.ts", ["--test_input", "{oops"]);
    expect(fromFlag.code).toBe(1);
    expect(fromFlag.lines.some((l) => l.startsWith("ERROR  | --test_input is not valid JSON: "))).toBe(true);
  });

  it("missing input: exits 1", async () => {
    const { code, lines } = await runFixture("sync-handler.ts", ["--test_input", '{"id":"x"}']);
    expect(code).toBe(1);
    expect(lines).toContain("ERROR  | Job has no input parameter. Unable to run.");
  });

  it("JSON log lines when RUNPOD_ENDPOINT_ID is set, and --rp_log_level applies", async () => {
    const { code, lines } = await runFixture(
      "sync-handler.ts",
      ["--test_input", '{"input":{}}', "--rp_log_level", "info"],
      {
        RUNPOD_ENDPOINT_ID: "ep-1",
      },
    );
    expect(code).toBe(0);
    const json = lines
      .filter((l) => !l.startsWith("---"))
      .map((l) => JSON.parse(l) as { level: string; message: string });
    expect(json.some((l) => l.level === "DEBUG")).toBe(false);
    expect(json).toContainEqual({
      requestId: null,
      message: 'Job result: {"output":{"echo":{},"id":"local_test","extra":null}}',
      level: "INFO",
    });
  });

  it("prints the result line even at --rp_log_level ERROR", async () => {
    const { code, lines } = await runFixture("sync-handler.ts", [
      "--test_input",
      '{"input":{}}',
      "--rp_log_level=ERROR",
    ]);
    expect(code).toBe(0);
    expect(lines.filter((l) => !l.startsWith("---"))).toEqual([
      'Job result: {"output":{"echo":{},"id":"local_test","extra":null}}',
    ]);
  });

  it("Ctrl+C aborts the job's signal; the job fails and the process exits 1", async () => {
    let signalled = false;
    const { code, lines } = await runFixture(
      "abortable-handler.ts",
      ["--test_input", '{"input":{}}'],
      {},
      (line, child) => {
        if (!signalled && line.endsWith("waiting for abort")) {
          signalled = true;
          child.kill("SIGINT");
        }
      },
    );
    expect(signalled).toBe(true);
    expect(code).toBe(1);
    expect(lines).toContain(
      "WARN   | local_test | Interrupted: aborting the job (press Ctrl+C again to exit now).",
    );
    expect(
      lines.some(
        (l) =>
          l.startsWith("ERROR  | Job local_test failed with error: ") && l.includes("Interrupted (SIGINT)"),
      ),
    ).toBe(true);
  });

  it("a handler whose promise can never settle fails with a clear error instead of exiting 0 silently", async () => {
    const { code, lines } = await runFixture("stuck-handler.ts", ["--test_input", '{"input":{}}']);
    expect(code).toBe(1);
    expect(
      lines.some((l) =>
        l.startsWith("ERROR  | Job local_test failed with error: the handler never finished"),
      ),
    ).toBe(true);
  });

  it("an invalid RUNPOD_LOG_LEVEL warns instead of crashing the worker", async () => {
    const { code, lines } = await runFixture("sync-handler.ts", ["--test_input", '{"input":{}}'], {
      RUNPOD_LOG_LEVEL: "LOUD",
    });
    expect(code).toBe(0);
    expect(lines[0]).toMatch(
      /^WARN {3}\| Invalid log level 'LOUD'.*\(from RUNPOD_LOG_LEVEL\); using DEBUG\.$/,
    );
    expect(lines).toContain("INFO   | Local testing complete, exiting.");
  });
});
