/**
 * Spawning `gantry` (the built CLI) and SDK workers in local modes as a user would, capturing their output and
 * waiting for lines in it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./harness.js";

export const CLI_BIN = join(REPO_ROOT, "packages", "cli", "dist", "bin.js");

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process group if still running. */
  kill(): void;
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const w of waiters) w();
  };
  child.stdout?.setEncoding("utf8").on("data", (c: string) => {
    out += c;
    notify();
  });
  child.stderr?.setEncoding("utf8").on("data", (c: string) => {
    err += c;
    notify();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("close", (code, signal) => {
      notify();
      resolve({ code, signal });
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = (out + err).match(pattern);
          if (m) {
            cleanup();
            resolve(m);
          } else if (done) {
            cleanup();
            reject(new Error(`process exited before ${pattern}:\n${out}\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    kill() {
      if (done || child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    },
  };
}

/** A throw-away project directory that resolves `@gantry/worker` and `@gantry/server` like an installed app. */
export function tempProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-proj-"));
  const scope = join(dir, "node_modules", "@gantry");
  mkdirSync(scope, { recursive: true });
  for (const pkg of ["worker", "server"])
    symlinkSync(join(REPO_ROOT, "packages", pkg), join(scope, pkg), "dir");
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "demo-worker", private: true, type: "module" }),
  );
  return dir;
}

export function cliBuilt(): boolean {
  return existsSync(CLI_BIN);
}
