import { describe, expect, it } from "vitest";
import { runDevServer, workerArgs } from "./dev-server.js";
import { isIgnoredChange } from "./watch.js";

describe("workerArgs", () => {
  it("drops the dev-server flags and their values, keeps the user's", () => {
    expect(workerArgs(["h.ts", "--rp_serve_api", "--rp_api_port", "9000", "--x", "1"])).toEqual([
      "h.ts",
      "--x",
      "1",
    ]);
    expect(
      workerArgs(["h.ts", "--rp_serve_api=true", "--rp_api_host=0.0.0.0", "--rp_log_level", "DEBUG"]),
    ).toEqual(["h.ts", "--rp_log_level", "DEBUG"]);
    expect(workerArgs(["--rp_api_concurrency", "--other"])).toEqual(["--other"]);
  });
});

describe("isIgnoredChange", () => {
  it("ignores dependency folders, editor droppings and SDK state", () => {
    for (const p of [
      "node_modules/x/index.js",
      ".git/HEAD",
      "a/__pycache__/m.pyc",
      "h.ts~",
      ".h.ts.swp",
      ".runpod_jobs.pkl",
    ]) {
      expect(isIgnoredChange(p)).toBe(true);
    }
    for (const p of ["handler.ts", "src/model.py", "corpus.txt"]) expect(isIgnoredChange(p)).toBe(false);
  });
});

describe("runDevServer input validation", () => {
  it("rejects a bad port, command or endpoint id before starting anything", async () => {
    await expect(runDevServer({ command: "node", port: 70000 })).rejects.toThrow(/port must be an integer/);
    await expect(runDevServer({ command: " " })).rejects.toThrow(/command must be a non-empty string/);
    await expect(runDevServer({ command: "node", endpointId: "a/b" })).rejects.toThrow(/endpoint id/);
  });

  it("reports a missing watch path and cleans up", async () => {
    const ac = new AbortController();
    await expect(
      runDevServer({
        command: process.execPath,
        args: ["-e", "setTimeout(() => {}, 60000)"],
        host: "127.0.0.1",
        port: 0,
        watch: ["/definitely/not/here"],
        signal: ac.signal,
        handleSignals: false,
        stdout: { write: () => true },
        stderr: { write: () => true },
      }),
    ).rejects.toThrow(/cannot watch .*no such file/);
  });
});
