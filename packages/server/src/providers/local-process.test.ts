import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LocalProcessProvider } from "./local-process.js";
import type { WorkerHandle } from "./provider.js";

const PY_WORKER = fileURLToPath(new URL("../../test/fixtures/python-worker.py", import.meta.url));
const baseEnv = (): Record<string, string> => ({ PATH: process.env.PATH ?? "" });

let dataDir: string;
let provider: LocalProcessProvider;
const started: WorkerHandle[] = [];
let n = 0;

function start(
  script: string,
  extra: Partial<{ cwd: string; env: Record<string, string> }> = {},
): WorkerHandle {
  const h = provider.start({
    workerId: `t${++n}`,
    endpointId: "ep",
    command: [process.execPath, "-e", script],
    env: { ...baseEnv(), ...extra.env },
    ...(extra.cwd ? { cwd: extra.cwd } : {}),
  });
  started.push(h);
  return h;
}

function waitForLine(h: WorkerHandle, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const hit = h.logs.lines().find((l) => pattern.test(l.line));
    if (hit) return resolve(hit.line);
    const off = h.logs.follow((l) => {
      if (pattern.test(l.line)) {
        off();
        resolve(l.line);
      }
    });
  });
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "gantry-provider-"));
  provider = new LocalProcessProvider({ dataDir });
});
afterEach(async () => {
  for (const h of started.splice(0)) h.kill();
  await provider.stopAll(1000);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("LocalProcessProvider", () => {
  it("captures stdout and stderr line by line, reports the exit code, writes the log file", async () => {
    const h = start(
      `console.log("one"); console.error("two"); process.stdout.write("three"); process.exit(3)`,
    );
    const exit = await h.exited;
    expect(exit).toMatchObject({ code: 3, signal: null });
    expect(h.done).toBe(true);
    const lines = h.logs.lines().filter((l) => l.stream !== "system");
    expect(lines.map((l) => [l.stream, l.line])).toEqual([
      ["stdout", "one"],
      ["stderr", "two"],
      ["stdout", "three"],
    ]);
    expect(h.logs.tail(1)[0]).toBe("exited with code 3");
    // The file stream is flushed asynchronously after the exit.
    await new Promise((r) => setTimeout(r, 100));
    const file = readFileSync(provider.logPath(h.workerId), "utf8");
    expect(file).toMatch(/ stdout one\n/);
    expect(file).toMatch(/ stderr two\n/);
  });

  it("gives each worker a private working directory and TMPDIR, removed after exit", async () => {
    const script = `console.log(JSON.stringify({ cwd: process.cwd(), tmp: process.env.TMPDIR, id: process.env.RUNPOD_POD_ID }))`;
    const a = start(script, { env: { RUNPOD_POD_ID: "a" } });
    const b = start(script, { env: { RUNPOD_POD_ID: "b" } });
    await Promise.all([a.exited, b.exited]);
    const info = (h: WorkerHandle) => JSON.parse(h.logs.lines().find((l) => l.stream === "stdout")!.line);
    const ia = info(a);
    const ib = info(b);
    expect(ia.cwd).toBe(provider.workDir(a.workerId));
    expect(ib.cwd).toBe(provider.workDir(b.workerId));
    expect(ia.cwd).not.toBe(ib.cwd);
    expect(ia.tmp).toBe(ia.cwd);
    expect(ia.id).toBe("a");
    expect(existsSync(ia.cwd)).toBe(false);
  });

  it("runs in the endpoint's cwd when given, still with a private TMPDIR", async () => {
    const h = start(`console.log(process.cwd() + "|" + process.env.TMPDIR)`, { cwd: dataDir });
    await h.exited;
    const line = h.logs.lines().find((l) => l.stream === "stdout")!.line;
    expect(line).toBe(`${dataDir}|${provider.workDir(h.workerId)}`);
  });

  it("stop() lets a worker drain on SIGTERM", async () => {
    const h =
      start(`process.on("SIGTERM", () => { console.log("draining"); setTimeout(() => process.exit(0), 100) });
      console.log("ready"); setInterval(() => {}, 1000)`);
    await waitForLine(h, /^ready$/);
    const exit = await h.stop("SIGTERM", 20_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(h.logs.lines().some((l) => l.line === "draining")).toBe(true);
  });

  it("stop() kills a worker that ignores SIGTERM after the grace period", async () => {
    const h = start(
      `process.on("SIGTERM", () => console.log("ignored")); console.log("ready"); setInterval(() => {}, 1000)`,
    );
    await waitForLine(h, /^ready$/);
    const exit = await h.stop("SIGTERM", 300);
    expect(exit.signal).toBe("SIGKILL");
    expect(h.logs.lines().some((l) => l.line === "ignored")).toBe(true);
  });

  it("kill() takes grandchildren with it (process group)", async () => {
    const h = start(`const { spawn } = require("node:child_process");
      const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      console.log("grandchild " + c.pid); setInterval(() => {}, 1000)`);
    const line = await waitForLine(h, /^grandchild \d+$/);
    const gpid = Number(line.split(" ")[1]);
    expect(alive(gpid)).toBe(true);
    h.kill();
    const exit = await h.exited;
    expect(exit.signal).toBe("SIGKILL");
    await expect.poll(() => alive(gpid), { timeout: 5000 }).toBe(false);
  });

  it("a grandchild left behind by an exiting leader is killed too", async () => {
    const h = start(`const { spawn } = require("node:child_process");
      const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
      console.log("grandchild " + c.pid); setTimeout(() => process.exit(0), 50)`);
    const line = await waitForLine(h, /^grandchild \d+$/);
    await h.exited;
    await expect.poll(() => alive(Number(line.split(" ")[1])), { timeout: 5000 }).toBe(false);
  });

  it("a command that cannot start resolves exited with the error instead of throwing", async () => {
    const h = provider.start({
      workerId: "nope",
      endpointId: "ep",
      command: ["gantry-no-such-binary-xyz"],
      env: baseEnv(),
    });
    started.push(h);
    const exit = await h.exited;
    expect(exit.code).toBeNull();
    expect(exit.error).toMatch(/ENOENT/);
    expect(h.logs.tail(1)[0]).toMatch(/failed to start/);
  });

  it("rejects invalid specs with a clear error", () => {
    const spec = { workerId: "ok", endpointId: "ep", command: ["node"], env: {} };
    expect(() => provider.start({ ...spec, workerId: "../evil" })).toThrow(/invalid worker id/);
    expect(() => provider.start({ ...spec, command: [] })).toThrow(/non-empty array/);
    expect(() => provider.start({ ...spec, env: { A: 1 as unknown as string } })).toThrow(/env A/);
  });
});

describe("python worker through the process provider", () => {
  let server: Server;
  let base: string;
  const done: { worker: string; job: string; ctype: string | undefined; body: unknown }[] = [];
  const pings: string[] = [];
  const queue: unknown[] = [];

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let s = "";
      req.setEncoding("utf8");
      req.on("data", (c) => {
        s += c;
      });
      req.on("end", () => resolve(s));
    });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const parts = url.pathname.split("/");
      if (parts[3] === "job-take") {
        const job = queue.shift();
        if (job) {
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(job));
        } else {
          setTimeout(() => res.writeHead(204).end(), 200);
        }
        return;
      }
      if (parts[3] === "job-done") {
        const body = await readBody(req);
        done.push({
          worker: parts[4]!,
          job: parts[5]!,
          ctype: req.headers["content-type"],
          body: JSON.parse(body),
        });
        res.writeHead(200).end();
        return;
      }
      if (parts[3] === "ping") {
        pings.push(`${parts[4]}?${url.searchParams.toString()}`);
        res.writeHead(200).end();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const pyEnv = (id: string): Record<string, string> => ({
    ...baseEnv(),
    RUNPOD_POD_ID: id,
    RUNPOD_AI_API_KEY: "secret",
    RUNPOD_PING_INTERVAL: "1000",
    RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: "true",
    RUNPOD_WEBHOOK_GET_JOB: `${base}/v2/ep/job-take/$ID?gpu=none`,
    RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/v2/ep/job-done/$RUNPOD_POD_ID/$ID?gpu=none`,
    RUNPOD_WEBHOOK_PING: `${base}/v2/ep/ping/$RUNPOD_POD_ID?gpu=none`,
  });

  it("takes a job, posts its result, pings with the job id, and keeps its state file private", async () => {
    queue.push({ id: "job-1", input: { echo: "hi", sleep: 1.5 } });
    const ids = ["py-a", "py-b"];
    const hs = ids.map((id) => {
      const h = provider.start({
        workerId: id,
        endpointId: "ep",
        command: ["python3", PY_WORKER],
        env: pyEnv(id),
      });
      started.push(h);
      return h;
    });
    await expect.poll(() => done.length, { timeout: 20_000, interval: 100 }).toBe(1);
    const d = done[0]!;
    expect(d.job).toBe("job-1");
    expect(d.ctype).toBe("application/x-www-form-urlencoded");
    expect(d.body).toMatchObject({
      output: { echo: "hi", worker: d.worker, cwd: provider.workDir(d.worker) },
    });
    expect(pings.some((p) => p.startsWith(`${d.worker}?`) && p.includes("job_id=job-1"))).toBe(true);
    // Each worker wrote its .runpod_jobs.pkl into its own directory.
    for (const id of ids) {
      expect(readFileSync(join(provider.workDir(id), ".runpod_jobs.pkl"), "utf8")).toBe(id);
    }
    // SIGTERM: the Python worker finishes its loop and exits 0.
    const exits = await Promise.all(hs.map((h) => h.stop("SIGTERM", 20_000)));
    for (const e of exits) expect(e.code === 0 || e.signal === "SIGKILL").toBe(true);
    expect(exits.some((e) => e.code === 0)).toBe(true);
  });

  it("reports a crashing Python worker's exit code and last stderr line", async () => {
    const h = provider.start({
      workerId: "py-crash",
      endpointId: "ep",
      command: ["python3", PY_WORKER, "--crash", "7"],
      env: pyEnv("py-crash"),
    });
    started.push(h);
    const exit = await h.exited;
    expect(exit.code).toBe(7);
    expect(h.logs.lines().find((l) => l.stream === "stderr")?.line).toMatch(/model file missing/);
  });
});
