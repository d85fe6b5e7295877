/** The CLI's pure helpers: reading progress values, URLs, input files, exit codes, tables, error wording. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { UsageError } from "../src/errors.js";
import { exitCodeFor } from "../src/exit-codes.js";
import { readJobInput } from "../src/job-input.js";
import { ChunkPrinter, errorText } from "../src/job-view.js";
import { parseEndpointId } from "../src/options.js";
import { ProgressReporter, progressMode } from "../src/progress-bar.js";
import { progressText, readProgress } from "../src/progress-value.js";
import { parseJobId, parsePolicyMs, parseWebhook, parseWorkerId } from "../src/remote-action.js";
import { httpFailure, unreachable } from "../src/remote-errors.js";
import { serverRoot } from "../src/remote-options.js";
import { formatMs, renderTable } from "../src/table.js";

const collect = () => {
  const out = new PassThrough();
  let text = "";
  out.on("data", (d: Buffer) => {
    text += d.toString();
  });
  return { out, text: () => text };
};

describe("progress values", () => {
  it("reads the shapes workers send", () => {
    expect(readProgress(40)).toEqual({ percent: 40 });
    expect(readProgress(0.25)).toEqual({ percent: 25 });
    expect(readProgress("70%")).toEqual({ percent: 70 });
    expect(readProgress({ percent: 10 })).toEqual({ percent: 10 });
    expect(readProgress({ progress: 50, message: "halfway" })).toEqual({ percent: 50, message: "halfway" });
    expect(readProgress({ progress: { percent: 30 }, message: "x" })).toEqual({ percent: 30, message: "x" });
    expect(readProgress({ done: 3, total: 4 })).toEqual({ percent: 75 });
    expect(readProgress(250)).toEqual({ percent: 100 });
    expect(readProgress("loading model")).toEqual({ message: "loading model" });
    expect(progressText({ stage: 2 })).toBe('{"stage":2}');
    expect(progressText({ progress: 12.6, message: "m" })).toBe("13% m");
  });

  it("draws a bar only for a terminal, plain lines only when verbose", () => {
    expect(progressMode({ isTTY: true }, {}, false)).toBe("bar");
    expect(progressMode({}, { GANTRY_FORCE_TTY: "1" }, false)).toBe("bar");
    expect(progressMode({ isTTY: true }, { TERM: "dumb" }, true)).toBe("lines");
    expect(progressMode({}, {}, true)).toBe("lines");
    expect(progressMode({}, {}, false)).toBe("off");

    const lines = collect();
    const r = new ProgressReporter(lines.out, "lines", "job");
    r.waiting("waiting…");
    r.update(10);
    r.update(10);
    r.update({ progress: 20, message: "two" });
    r.clear();
    expect(lines.text()).toBe("progress 10%\nprogress 20% two\n");

    const bar = collect();
    const b = new ProgressReporter(bar.out, "bar", "job", 60);
    b.update(50);
    b.hide();
    b.update(90);
    expect(bar.text()).toBe(`\r\u001b[2Kjob ${"█".repeat(12)}${"░".repeat(12)}  50%\r\u001b[2K`);
  });
});

describe("URLs, input, exit codes", () => {
  it("accepts a server root or its /v2 base", () => {
    expect(serverRoot("http://h:8080")).toBe("http://h:8080");
    expect(serverRoot("http://h:8080/v2/")).toBe("http://h:8080");
    expect(serverRoot("https://h/gantry/v2")).toBe("https://h/gantry");
    expect(() => serverRoot("h:8080")).toThrow(UsageError);
    expect(() => serverRoot("http://h/?x=1")).toThrow(/query/);
  });

  it("unwraps a test_input.json-shaped file but not other objects", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-input-"));
    try {
      writeFileSync(join(dir, "job.json"), JSON.stringify({ input: { a: 1 }, id: "x" }));
      writeFileSync(join(dir, "raw.json"), JSON.stringify({ input: 1, other: 2 }));
      expect(await readJobInput("@job.json", dir)).toEqual({ a: 1 });
      expect(await readJobInput("@raw.json", dir)).toEqual({ input: 1, other: 2 });
      expect(await readJobInput("[1]", dir)).toEqual([1]);
      const stdin = Object.assign(new PassThrough(), { isTTY: false });
      stdin.end('{"b": 2}');
      expect(await readJobInput(undefined, dir, stdin)).toEqual({ b: 2 });
      const tty = Object.assign(new PassThrough(), { isTTY: true });
      await expect(readJobInput(undefined, dir, tty)).rejects.toThrow(/no input/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("maps job states to exit codes", () => {
    expect(["COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED", "IN_PROGRESS"].map(exitCodeFor)).toEqual([
      0, 1, 3, 4, 5,
    ]);
  });
});

describe("output", () => {
  it("prints text chunks raw and objects on lines of their own", () => {
    const c = collect();
    const p = new ChunkPrinter(c.out);
    for (const chunk of ["a", { token: "b" }, { x: 1 }, "c\n", 2]) p.write(chunk);
    p.finish();
    expect(c.text()).toBe('ab\n{"x":1}\nc\n2\n');
  });

  it("shows a thrown error's type and message, the traceback when verbose", () => {
    const info = JSON.stringify({
      error_type: "<class 'ValueError'>",
      error_message: "bad",
      error_traceback: "Traceback…",
    });
    expect(errorText(info)).toBe("ValueError: bad");
    expect(errorText(info, true)).toBe("ValueError: bad\nTraceback…");
    expect(errorText("plain")).toBe("plain");
    expect(errorText({ code: 1 })).toBe('{"code":1}');
  });

  it("words server and network failures", () => {
    expect(httpFailure(401, { error: "Unauthorized" }).message).toBe(
      "401: the API key was refused (set --api-key or GANTRY_API_KEY)",
    );
    expect(httpFailure(404, { error: "endpoint x not found" }).message).toBe("404: endpoint x not found");
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(unreachable("http://h:1", new Error("fetch failed", { cause: refused })).message).toBe(
      "cannot reach Gantry at http://h:1: connection refused",
    );
  });

  it("renders aligned tables and short durations", () => {
    expect(renderTable(["A", "BB"], [["xxx", "1"]])).toBe("A    BB\nxxx  1");
    expect([formatMs(12), formatMs(1500), formatMs(61_000), formatMs(undefined)]).toEqual([
      "12 ms",
      "1.5 s",
      "1m01s",
      "-",
    ]);
  });
});

describe("arguments checked by the server's rules (@gantry/protocol)", () => {
  it("ids: letters, digits, _ and -, at most 200, refused in the server's words", () => {
    expect(parseEndpointId("ep_1")).toBe("ep_1");
    expect(parseJobId("sync-abc-1")).toBe("sync-abc-1");
    expect(() => parseEndpointId("bad id")).toThrow(
      'endpoint id "bad id" is invalid; must match [A-Za-z0-9_-]+',
    );
    expect(() => parseWorkerId("w.1")).toThrow('worker id "w.1" is invalid; must match [A-Za-z0-9_-]+');
    expect(() => parseJobId("j".repeat(201))).toThrow(
      /job id "j+…" is invalid; must be at most 200 characters/,
    );
  });

  it("--webhook: an http(s) URL without whitespace", () => {
    expect(parseWebhook("https://example.com/hook")).toBe("https://example.com/hook");
    for (const raw of ["ftp://x", "http://a/b c", "example.com"])
      expect(() => parseWebhook(raw)).toThrow("webhook: must be an http(s) URL");
  });

  it("--execution-timeout and --ttl: whole ms within the server's ranges", () => {
    expect(parsePolicyMs("executionTimeout")("5000")).toBe(5000);
    expect(parsePolicyMs("ttl")(" 604800000 ")).toBe(604_800_000);
    expect(() => parsePolicyMs("executionTimeout")("4999")).toThrow(
      "policy.executionTimeout must be between 5000 and 604800000 ms",
    );
    expect(() => parsePolicyMs("ttl")("604800001")).toThrow(
      "policy.ttl must be between 10000 and 604800000 ms",
    );
    expect(() => parsePolicyMs("ttl")("1h")).toThrow(/whole number of milliseconds/);
  });
});
