// `--rp_serve_api` end to end: a fixture worker starts the real in-memory platform, which runs the same script as
// its worker; requests go through the public routes. Skipped when @gantry/server is not built.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";

const FIXTURES = fileURLToPath(new URL("./__fixtures__/", import.meta.url));
const TSX = import.meta.resolve("tsx");

async function serverAvailable(): Promise<boolean> {
  try {
    const mod = (await import("@gantry/server" as string)) as { runDevServer?: unknown };
    return typeof mod.runDevServer === "function";
  } catch {
    return false;
  }
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];
afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("RUNPOD_") && !key.startsWith("GANTRY_")) env[key] = value;
  }
  return env;
}

describe.skipIf(!(await serverAvailable()))("--rp_serve_api with @gantry/server", () => {
  it("serves /runsync through the real platform, with and without the /v2 prefix, and exits 0 on SIGINT", async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), "gantry-serve-"));
    dirs.push(cwd);
    const child = spawn(
      process.execPath,
      [
        "--import",
        TSX,
        path.join(FIXTURES, "sync-handler.ts"),
        "--rp_serve_api",
        "--rp_api_port",
        "0",
        "--rp_api_host=127.0.0.1",
      ],
      { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    children.add(child);
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);

    const base = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
        if (match?.[1]) resolve(match[1]);
      });
      void exited.then((code) => reject(new Error(`exited early (${code}): ${stdout}\n${stderr}`)));
    });

    try {
      const ok = await request(`${base}/runsync`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: { a: 1 } }),
      });
      const okBody = (await ok.body.json()) as { status: string; output: { echo: unknown } };
      expect(ok.statusCode).toBe(200);
      expect(okBody.status).toBe("COMPLETED");
      expect(okBody.output.echo).toEqual({ a: 1 });

      const failed = await request(`${base}/v2/dev/runsync`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: { error: "nope" } }),
      });
      const failedBody = (await failed.body.json()) as { status: string; error: unknown };
      expect(failedBody.status).toBe("FAILED");
      expect(failedBody.error).toBe("nope");
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    clearTimeout(killer);
    children.delete(child);
  });
});
