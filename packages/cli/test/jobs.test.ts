/**
 * `gantry run|status|cancel|retry|health|workers|logs|purge` as a user runs them: the built binary in a child
 * process against a real server (startServer, SQLite in a temp dir, loopback) whose workers are real
 * @gantry/worker processes it starts itself. Asserts output and exit codes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Endpoint } from "@gantry/client";
import { type GantryServer, startServer } from "@gantry/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, cleanEnv, gantry, hasTerminalControl, REPO_ROOT, spawnGantry } from "./gantry-process.js";

const API_KEY = "cli-jobs-api-key-1";
const WORKER = join(REPO_ROOT, "packages/server/test/fixtures/e2e-worker.ts");
const TSX = pathToFileURL(join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href;

let server: GantryServer;
let dataDir: string;
let url: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "gantry-cli-jobs-"));
  server = await startServer({
    config: {
      host: "127.0.0.1",
      port: 0,
      dataDir,
      logLevel: "silent",
      pingIntervalMs: 1000,
      takeHoldMs: 2000,
      rateLimits: false,
      auth: { apiKeys: [API_KEY], workerSecret: "cli-jobs-worker-secret" },
      endpoints: [
        {
          id: "ep",
          scaling: { workersMin: 1, workersMax: 3, idleTimeoutS: 60 },
          worker: { command: [process.execPath, "--import", TSX, WORKER] },
        },
        // No worker.command and nobody connects: its jobs stay queued.
        { id: "idle" },
      ],
    },
    engineOptions: { sweepIntervalMs: 100 },
    supervisorTuning: { tickMs: 100 },
  });
  url = server.url;
  env = cleanEnv({ GANTRY_URL: url, GANTRY_API_KEY: API_KEY });
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const run = (args: string[], extra: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}) =>
  gantry(args, {
    env: extra.env ?? env,
    ...(extra.stdin !== undefined ? { stdin: extra.stdin } : {}),
    ...(extra.cwd ? { cwd: extra.cwd } : {}),
  });

const lastJson = (text: string) => JSON.parse(text.trim().split("\n").at(-1) as string);

describe("gantry run", () => {
  it("prints the output of a COMPLETED job and exits 0, with clean non-terminal output", async () => {
    const r = await run(["run", "ep", "--input", '{"value": 7}']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ echo: 7 });
    expect(r.stderr).toMatch(/job \S+ COMPLETED \(queued .*ran .* on ep-/);
    expect(hasTerminalControl(r.stdout + r.stderr)).toBe(false);
    // Progress lines are for --verbose only.
    expect(r.stderr).not.toContain("progress");
  }, 60_000);

  it("--json prints the final status object; input comes from @file or stdin", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-cli-input-"));
    try {
      writeFileSync(join(dir, "test_input.json"), JSON.stringify({ input: { value: "from file" } }));
      const file = await run(["run", "ep", "--input", "@test_input.json", "--json"], { cwd: dir });
      expect(file.code, file.stderr).toBe(0);
      const job = lastJson(file.stdout);
      expect(job).toMatchObject({ status: "COMPLETED", output: { echo: "from file" } });
      expect(typeof job.id).toBe("string");
      expect(file.stderr).toBe("");

      const piped = await run(["run", "ep", "--json"], { stdin: '{"value": [1, 2]}' });
      expect(piped.code, piped.stderr).toBe(0);
      expect(lastJson(piped.stdout).output).toMatchObject({ echo: [1, 2] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("--sync waits through /runsync", async () => {
    const r = await run(["run", "ep", "--sync", "--input", '{"value": "s"}', "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const job = lastJson(r.stdout);
    expect(job.id).toMatch(/^sync-/);
    expect(job.output).toMatchObject({ echo: "s" });
  }, 60_000);

  it("exits 1 for a FAILED job and shows the worker's error readably", async () => {
    const r = await run(["run", "ep", "--input", '{"mode": "throw", "message": "kaboom"}']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/FAILED/);
    expect(r.stderr).toContain("error: TypeError: kaboom");
  }, 60_000);

  it("exits 3 for a TIMED_OUT job", async () => {
    const r = await run([
      "run",
      "ep",
      "--input",
      '{"mode": "sleep", "ms": 30000}',
      "--execution-timeout",
      "5000",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(3);
    expect(lastJson(r.stdout).status).toBe("TIMED_OUT");
  }, 60_000);

  it("exits 4 when the job is cancelled (with gantry cancel) while it waits", async () => {
    const waiting = spawnGantry(["run", "ep", "--verbose", "--input", '{"mode": "wait-abort"}'], { env });
    const [, id] = await waiting.waitFor(/job (\S+) submitted/);
    const c = await run(["cancel", "ep", id as string]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toBe(`job ${id} CANCELLED\n`);
    const r = await waiting.done;
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/CANCELLED/);
    // Cancelling again reports the end it already had.
    const again = await run(["cancel", "ep", id as string]);
    expect(again.stdout).toMatch(/CANCELLED/);
  }, 60_000);

  it("exits 5 when --timeout passes first, naming the job that keeps running", async () => {
    const r = await run(["run", "ep", "--input", '{"mode": "sleep", "ms": 4000}', "--timeout", "1"]);
    expect(r.code, r.stderr).toBe(5);
    const m = /job (\S+) is still (IN_QUEUE|IN_PROGRESS) after 1 s/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const s = await run(["status", "ep", m?.[1] as string, "--json"]);
    expect(["IN_QUEUE", "IN_PROGRESS", "COMPLETED"]).toContain(JSON.parse(s.stdout).status);
  }, 60_000);

  it("--stream prints chunks as they arrive: text raw, objects as JSON lines", async () => {
    const input = { mode: "generate", chunks: ["Hel", "lo ", { n: 1 }, "world"], gapMs: 50 };
    const r = await run(["run", "ep", "--stream", "--input", JSON.stringify(input)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Hello \n{"n":1}\nworld\n');
    expect(hasTerminalControl(r.stdout + r.stderr)).toBe(false);

    const tokens = { mode: "generate", chunks: [{ token: "a" }, { token: "b" }], gapMs: 20 };
    const t = await run(["run", "ep", "--stream", "--input", JSON.stringify(tokens)]);
    expect(t.stdout).toBe("ab\n");

    const j = await run(["run", "ep", "--stream", "--json", "--input", JSON.stringify(input)]);
    const lines = j.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, 4)).toEqual([
      { chunk: "Hel" },
      { chunk: "lo " },
      { chunk: { n: 1 } },
      { chunk: "world" },
    ]);
    expect(lines[4]).toMatchObject({ status: "COMPLETED" });
  }, 60_000);

  it("reports progress as plain lines with --verbose when stderr is not a terminal", async () => {
    const r = await run(["run", "ep", "--verbose", "--input", '{"mode": "progress", "ms": 1500}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("progress 50% halfway\n");
    expect(hasTerminalControl(r.stderr)).toBe(false);
    expect(JSON.parse(r.stdout)).toEqual({ done: true });
  }, 60_000);

  it("draws a progress bar in place on a terminal (GANTRY_FORCE_TTY)", async () => {
    const r = await run(["run", "ep", "--input", '{"mode": "progress", "ms": 1500}'], {
      env: { ...env, GANTRY_FORCE_TTY: "1" },
    });
    expect(r.code, r.stderr).toBe(0);
    const shown = r.stderr.replaceAll("\r\u001b[2K", "<CLEAR>");
    expect(shown).toMatch(/<CLEAR>job \S+ █+░+ {1,2}50% halfway/);
    // The bar is cleared before the summary, and stdout (not a terminal) only holds the output.
    expect(shown).toMatch(/<CLEAR>job \S+ COMPLETED/);
    expect(JSON.parse(r.stdout)).toEqual({ done: true });
  }, 60_000);

  it("draws the bar under a real pseudo-terminal (script)", async (ctx) => {
    const which = await import("node:child_process").then((cp) =>
      cp.spawnSync("sh", ["-c", "command -v script"], { encoding: "utf8" }),
    );
    if (which.status !== 0) ctx.skip();
    const cmd = `${process.execPath} ${BIN} run ep --input '{"mode": "progress", "ms": 1500}'`;
    const { spawn } = await import("node:child_process");
    const child = spawn("script", ["-qec", cmd, "/dev/null"], { env: { ...env, TERM: "xterm" } });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/█+░+ {1,2}50% halfway/);
    expect(out).toContain('"done": true');
  }, 60_000);
});

describe("gantry status, retry, health, workers, logs, purge", () => {
  it("status shows a finished job; retry requeues a FAILED one; both refuse what they cannot do", async () => {
    const failed = await run(["run", "ep", "--json", "--input", '{"mode": "error", "message": "nope"}']);
    expect(failed.code).toBe(1);
    const id = lastJson(failed.stdout).id as string;

    const s = await run(["status", "ep", id]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain(`job ${id} FAILED`);
    expect(s.stdout).toContain("error: nope");

    const r = await run(["retry", "ep", id]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`job ${id} requeued: IN_QUEUE`);

    const ok = await run(["run", "ep", "--json", "--input", "{}"]);
    const done = lastJson(ok.stdout).id as string;
    const bad = await run(["retry", "ep", done]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^gantry: 400: /);

    const missing = await run(["status", "ep", "no-such-job"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("gantry: 404: job no-such-job not found\n");
  }, 60_000);

  it("health prints a table of jobs and workers, and --json the raw counts", async () => {
    const h = await run(["health", "ep"]);
    expect(h.code, h.stderr).toBe(0);
    expect(h.stdout).toMatch(/JOBS\s+WORKERS/);
    expect(h.stdout).toMatch(/completed\s+\d+\s+running\s+\d+/);
    const j = await run(["health", "ep", "--json"]);
    const body = JSON.parse(j.stdout);
    expect(body.jobs.completed).toBeGreaterThan(0);
    expect(typeof body.workers.idle).toBe("number");
  }, 60_000);

  it("workers lists the processes Gantry started", async () => {
    const w = await run(["workers", "ep"]);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/^ID\s+STATE\s+PID\s+JOBS\s+STARTED\s+COLD START\n/);
    // The worker may have started minutes ago on a loaded machine.
    expect(w.stdout).toMatch(/\nep-\S+\s+[a-z]+.*\s\d+\s+\d+\s+\d+[smhd] ago\s/);
    const j = JSON.parse((await run(["workers", "ep", "--json"])).stdout);
    expect(j.endpointId).toBe("ep");
    expect(j.workers.length).toBeGreaterThan(0);
    expect(j.workers[0].pid).toBeGreaterThan(0);

    const none = await run(["workers", "idle"]);
    expect(none.stdout).toMatch(/no workers on idle; the endpoint has no worker.command/);
  }, 60_000);

  it("logs prints workers' output, prefixed per worker; one worker's without prefix; --follow tails", async () => {
    const all = await run(["logs", "ep", "--tail", "20"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^\[ep-\S+\] /m);

    const list = JSON.parse((await run(["workers", "ep", "--json"])).stdout);
    const id = list.workers[0].id as string;
    const one = await run(["logs", "ep", id, "--json", "--tail", "5"]);
    expect(one.code, one.stderr).toBe(0);
    const lines = one.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines[0]).toMatchObject({ workerId: id });
    expect(typeof lines[0].line).toBe("string");

    const wrong = await run(["logs", "idle", id]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`worker ${id} belongs to endpoint ep, not idle`);
    const unknown = await run(["logs", "ep", "ep-nobody"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/404: worker ep-nobody not found/);

    // Follow the endpoint, submit a job, and see the line its worker prints for it arrive.
    const follow = spawnGantry(["logs", "ep", "--follow", "--tail", "0"], { env });
    await follow.waitFor(/following ep/);
    const job = await run(["run", "ep", "--json", "--input", '{"value": "tail me"}']);
    const jobId = lastJson(job.stdout).id as string;
    await follow.waitFor(new RegExp(`\\[ep-\\S+\\] .*${jobId}`));
    follow.child.kill("SIGTERM");
    const r = await follow.done;
    expect(r.code).toBe(0);
  }, 90_000);

  it("purge refuses without --yes off a terminal, then removes the queued jobs", async () => {
    const idle = new Endpoint("idle", { baseUrl: `${url}/v2`, apiKey: API_KEY });
    for (let i = 0; i < 3; i++) await idle.run({ i });
    const h = await run(["health", "idle"]);
    expect(h.stdout).toMatch(/in queue\s+3/);
    expect(h.stdout).toMatch(/hint: 3 job\(s\) wait and no worker is connected/);

    const refused = await run(["purge", "idle"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("refusing to purge idle without --yes");

    const p = await run(["purge", "idle", "--yes"]);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stdout).toBe("removed 3 queued jobs from idle\n");
    const j = await run(["purge", "idle", "--yes", "--json"]);
    expect(JSON.parse(j.stdout)).toEqual({ removed: 0, status: "completed" });
  }, 60_000);
});

describe("connection, key and usage errors", () => {
  it("says plainly when the server cannot be reached, the key is refused, or the endpoint is unknown", async () => {
    const closed = await startServer({
      config: { host: "127.0.0.1", port: 0, store: "memory", logLevel: "silent", auth: { disabled: true } },
    });
    const deadUrl = closed.url;
    await closed.close();
    for (const cmd of [
      ["health", "ep"],
      ["run", "ep", "--input", "{}"],
      ["workers", "ep"],
    ]) {
      const r = await run([...cmd, "--url", deadUrl]);
      expect(r.code, cmd.join(" ")).toBe(1);
      expect(r.stderr).toBe(`gantry: cannot reach Gantry at ${deadUrl}: connection refused\n`);
    }

    for (const cmd of [
      ["health", "ep"],
      ["status", "ep", "abc"],
      ["workers", "ep"],
    ]) {
      const r = await run([...cmd, "--api-key", "wrong-key-123"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe("gantry: 401: the API key was refused (set --api-key or GANTRY_API_KEY)\n");
    }

    const unknown = await run(["run", "nope", "--input", "{}"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("gantry: 404: endpoint nope not found\n");
    const unknownAdmin = await run(["workers", "nope"]);
    expect(unknownAdmin.stderr).toBe("gantry: 404: endpoint nope not found\n");
  }, 60_000);

  it("finds the key in ./.gantry/secrets.json and accepts a /v2 URL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gantry-cli-secrets-"));
    try {
      mkdirSync(join(dir, ".gantry"));
      writeFileSync(
        join(dir, ".gantry", "secrets.json"),
        JSON.stringify({ apiKey: API_KEY, workerSecret: "x" }),
      );
      const r = await run(["health", "ep", "--json"], {
        cwd: dir,
        env: cleanEnv({ GANTRY_URL: `${url}/v2/` }),
      });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).jobs).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("exits 2 for bad input", async () => {
    const cases: [string[], RegExp][] = [
      [["run", "ep", "--input", "{nope"], /--input is not valid JSON/],
      [
        ["run", "ep", "--input", "@/no/such/file.json"],
        /cannot read the input file \/no\/such\/file\.json: no such file/,
      ],
      [["run", "ep", "--sync", "--stream", "--input", "{}"], /--sync and --stream cannot be combined/],
      [["run", "bad id", "--input", "{}"], /endpoint id "bad id" is invalid; must match \[A-Za-z0-9_-\]\+/],
      [["run", "ep", "--input", "{}", "--ttl", "5"], /policy\.ttl must be between 10000 and 604800000 ms/],
      [["status", "ep", "a.b"], /job id "a\.b" is invalid/],
      [["run", "ep", "--input", "{}", "--timeout", "soon"], /--timeout.*seconds/],
      [["run", "ep", "--input", "{}", "--webhook", "ftp://x"], /http\(s\) URL/],
      [["run", "ep", "--input", "{}", "--url", "not a url"], /--url must be an http\(s\) URL/],
      [["run", "ep"], /the input on stdin is empty/],
      [["status", "ep"], /missing required argument 'job'/],
      [["logs", "ep", "--tail", "5000"], /from 0 to 1000/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);
});
