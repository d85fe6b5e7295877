/**
 * The SDK as a real child process (`start()` → production loop) against a recording platform:
 * signals, exit codes, fitness failure, and the heartbeat thread under a blocked event loop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { version } from "../src/version.js";
import { isDone, json } from "./harness.js";
import { RecordingServer } from "./recording-server.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/worker.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

interface Child {
  process: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

let server: RecordingServer;
let child: Child | undefined;

function spawnWorker(mode: string, extraEnv: Record<string, string> = {}): Child {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("RUNPOD_") && !key.startsWith("GANTRY_")) env[key] = value;
  }
  Object.assign(env, server.workerEnv(), { FIXTURE_MODE: mode }, extraEnv);
  const proc = spawn(process.execPath, ["--import", "tsx", FIXTURE], { cwd: REPO_ROOT, env, stdio: "pipe" });
  let output = "";
  proc.stdout.on("data", (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return { process: proc, output: () => output, exit };
}

beforeEach(async () => {
  server = await RecordingServer.start({ holdMs: 1500 });
});

afterEach(async () => {
  if (child && child.process.exitCode === null && child.process.signalCode === null) {
    child.process.kill("SIGKILL");
    await child.exit;
  }
  child = undefined;
  await server.close();
});

describe("worker process", () => {
  it("prints the banner and drains a running job on SIGTERM, then exits 0", async () => {
    child = spawnWorker("drain");
    await server.waitFor((r) => r.route === "take", 20_000);
    server.addJobs({ id: "T1", input: null });
    await server.waitFor((r) => r.route === "ping" && r.query.includes("job_id=T1"), 20_000);
    child.process.kill("SIGTERM");
    expect(await child.exit).toBe(0);
    expect(json(server.requests.find(isDone("T1"))!)).toEqual({ output: { drained: "T1" } });
    expect(child.output()).toContain(`--- Starting Serverless Worker |  Version ${version} ---`);
    // No job was taken after the signal.
    const done = server.requests.find(isDone("T1"))!;
    expect(server.byRoute("take").filter((r) => r.at > done.at)).toHaveLength(0);
  });

  it("exits 0 right after the first job with refreshWorker, posting stopPod", async () => {
    child = spawnWorker("refresh");
    server.addJobs({ id: "F1", input: null }, { id: "F2", input: null });
    expect(await child.exit).toBe(0);
    const dones = server.requests.filter(isDone());
    expect(dones).toHaveLength(1);
    expect(json(dones[0]!)).toEqual({ output: { once: "F1" }, stopPod: true });
  });

  it("reports a failed fitness check as an unhealthy ping and exits 1 without taking jobs", async () => {
    child = spawnWorker("fitness");
    expect(await child.exit).toBe(1);
    const pings = server.byRoute("ping");
    expect(pings).toHaveLength(1);
    expect(pings[0]!.query).toBe(
      `gpu=SIM&status=unhealthy&check=my_disk_check&reason=Error%3A+model+file+missing&runpod_version=${version}`,
    );
    expect(server.byRoute("take")).toHaveLength(0);
    expect(child.output()).toContain("my_disk_check");
  });

  it("keeps pinging while a synchronous handler blocks the event loop", async () => {
    child = spawnWorker("blocking", { BLOCK_MS: "3500" });
    await server.waitFor((r) => r.route === "take", 20_000);
    server.addJobs({ id: "B1", input: null });
    const done = await server.waitFor(isDone("B1"), 20_000);
    expect(json(done)).toEqual({ output: "unblocked" });
    const handedOut = server.byRoute("take").find((r) => r.at <= done.at && done.at - r.at >= 3000);
    expect(handedOut).toBeDefined();
    const busyPings = server
      .byRoute("ping")
      .filter((r) => r.query.includes("job_id=B1") && r.at > handedOut!.at && r.at < done.at);
    // One ping a second for ~3.5 s; demand at least two to leave room for a noisy machine.
    expect(busyPings.length).toBeGreaterThanOrEqual(2);
    child.process.kill("SIGTERM");
    expect(await child.exit).toBe(0);
  });
});
