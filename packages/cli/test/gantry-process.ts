/**
 * Runs the built `gantry` binary as a child process, the way a user does, without blocking the test process's
 * event loop (a server under test may live in it). Build first: `npx tsc -b packages/cli`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** This process's environment without anything that would change the CLI's defaults. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const k of Object.keys(env))
    if (k.startsWith("GANTRY_") || k.startsWith("RUNPOD_") || k === "FORCE_COLOR") delete env[k];
  return { ...env, ...extra };
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface GantryRun {
  child: ChildProcess;
  /** Resolves when some output matches (stdout + stderr). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  done: Promise<Result>;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed; stdin is closed at once when absent. */
  stdin?: string;
  timeoutMs?: number;
}

export function spawnGantry(args: readonly string[], options: SpawnOptions = {}): GantryRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: options.env ?? cleanEnv(),
    cwd: options.cwd,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const watchers: (() => void)[] = [];
  const notify = () => {
    for (const w of [...watchers]) w();
  };
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    notify();
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    notify();
  });
  child.stdin?.end(options.stdin ?? "");
  const killer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(killer);
      notify();
      resolve({ code, stdout, stderr });
    });
  });
  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(stdout + stderr);
        if (m) {
          cleanup();
          resolve(m);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`gantry exited before printing ${pattern}:\n${stdout}\n${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for ${pattern}:\n${stdout}\n${stderr}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        const i = watchers.indexOf(check);
        if (i >= 0) watchers.splice(i, 1);
      };
      watchers.push(check);
      check();
    });
  return { child, waitFor, done };
}

export const gantry = (args: readonly string[], options: SpawnOptions = {}): Promise<Result> =>
  spawnGantry(args, options).done;

/** Whether text holds what a non-terminal must never receive: carriage returns or escape codes. */
export const hasTerminalControl = (text: string): boolean => text.includes("\r") || text.includes("\u001b");
