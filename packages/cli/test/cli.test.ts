/**
 * The built `gantry` command run as a user runs it (`node packages/cli/dist/bin.js …`; build it first with
 * `npx tsc -b packages/cli`): exit codes, messages, `serve` start-up and shutdown, and the demo.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";

interface DemoSummary {
  ok: boolean;
  runsync: { status: string };
  stream: { job: { status: string }; chunks: number };
  progress?: { job: { status: string }; updates: unknown[] };
}

const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
for (const k of Object.keys(env)) if (k.startsWith("GANTRY_")) delete env[k];

const gantry = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env, timeout: 60_000 });

let tmp: string;
let child: ChildProcess | undefined;

beforeAll(() => {
  const r = spawnSync(process.execPath, [BIN, "--version"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`build the CLI first (npx tsc -b packages/cli): ${r.stderr}`);
});

afterEach(() => {
  if (child?.exitCode === null) child.kill("SIGKILL");
  child = undefined;
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on("error", reject)
      .end();
  });
}

describe("gantry CLI", () => {
  it("prints help and exits 0", () => {
    const r = gantry("--help");
    expect(r.status).toBe(0);
    for (const cmd of ["serve", "dev", "demo"]) expect(r.stdout).toContain(cmd);
  });

  it("exits 2 with a clear message for bad input", () => {
    const missing = gantry("dev", "nope/handler.ts");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/handler not found: nope\/handler\.ts/);

    tmp = mkdtempSync(join(tmpdir(), "gantry-cli-"));
    const weird = join(tmp, "handler.rb");
    writeFileSync(weird, "puts 1");
    const ext = gantry("dev", weird);
    expect(ext.status).toBe(2);
    expect(ext.stderr).toMatch(/unsupported extension "\.rb"/);

    const port = gantry("serve", "--port", "70000");
    expect(port.status).toBe(2);
    expect(port.stderr).toMatch(/--port.*70000.*0 to 65535/);

    const bad = join(tmp, "bad.json");
    writeFileSync(bad, JSON.stringify({ port: "x", endpoints: [{ id: "a", ttl: 1 }] }));
    const config = gantry("serve", "--config", bad);
    expect(config.status).toBe(2);
    expect(config.stderr).toContain("invalid configuration");
    expect(config.stderr).toContain("port: must be a number");

    const none = gantry("serve", "--config", join(tmp, "absent.json"));
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/cannot read the file/);

    const unknown = gantry("launch");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'launch'/);
  });

  it("serve starts from a config file, answers, and stops cleanly on SIGTERM", async () => {
    tmp = mkdtempSync(join(tmpdir(), "gantry-cli-"));
    const config = join(tmp, "gantry.json");
    writeFileSync(
      config,
      JSON.stringify({
        logLevel: "silent",
        auth: { apiKeys: ["cli-test-key-1"], workerSecret: "cli-test-secret-1" },
        endpoints: [{ id: "ep1" }],
      }),
    );
    const c = spawn(
      process.execPath,
      [
        BIN,
        "serve",
        "--config",
        config,
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--data-dir",
        join(tmp, "data"),
      ],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    child = c;
    let err = "";
    const url = await new Promise<string>((resolve, reject) => {
      c.stderr?.setEncoding("utf8").on("data", (s: string) => {
        err += s;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m) resolve(m[1] as string);
      });
      c.on("exit", () => reject(new Error(`serve exited: ${err}`)));
    });
    expect(err).toContain("endpoints: ep1");
    expect(err).toContain(join(tmp, "data", "gantry.db"));
    expect(await get(`${url}/healthz`)).toEqual({ status: 200, body: '{"status":"ok"}' });
    expect((await get(`${url}/v2/ep1/health`)).status).toBe(401);
    const exited = new Promise<number | null>((resolve) => c.on("exit", (code) => resolve(code)));
    c.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(err).toContain("stopped");
  });

  it("demo runs the quick start end to end and exits 0", () => {
    const r = gantry("demo", "--json");
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split("\n").at(-1) as string) as DemoSummary;
    expect(summary.ok).toBe(true);
    expect(summary.runsync.status).toBe("COMPLETED");
    expect(summary.stream.job.status).toBe("COMPLETED");
    expect(summary.stream.chunks).toBeGreaterThan(1);
    if (summary.progress) {
      expect(summary.progress.job.status).toBe("COMPLETED");
      expect(summary.progress.updates.length).toBeGreaterThan(0);
    }
  }, 90_000);

  it("demo narrates each step in human form", () => {
    const r = gantry("demo");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("1. Synchronous job");
    expect(r.stdout).toContain("2. Asynchronous job with live streaming");
    expect(r.stdout).toMatch(/COMPLETED/);
    expect(r.stdout).toMatch(/Done in [\d.]+ s/);
    // Not a TTY: no colour codes.
    expect(r.stdout).not.toContain("\u001b[");
  }, 90_000);
});
