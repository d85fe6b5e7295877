/**
 * Local development as a user runs it: `gantry dev handler.ts` (built CLI) and a worker's own `--rp_serve_api`,
 * each called on `/runsync` with and without the `/v2/{endpointId}` prefix; `gantry dev` reloads on a change.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, cliBuilt, type Proc, run, tempProject } from "./cli-process.js";
import { REPO_ROOT, TSX_LOADER, until } from "./harness.js";

let proc: Proc | undefined;
let project: string | undefined;

beforeAll(() => {
  if (!cliBuilt()) throw new Error(`build the CLI first: npx tsc -b packages/cli (missing ${CLI_BIN})`);
});

afterEach(async () => {
  proc?.kill();
  await proc?.exited;
  proc = undefined;
  if (project) rmSync(project, { recursive: true, force: true });
  project = undefined;
});

const handlerSource = (version: number): string => `
import { start } from "@gantry/worker";
start({ handler: (job) => ({ version: ${version}, input: job.input, argv: process.argv.slice(2) }) });
`;

async function runsync(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input: { n: 1 } }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
}

describe("e2e: local development servers", () => {
  it("gantry dev serves the handler with and without the prefix, and reloads on change", async () => {
    project = tempProject();
    const handler = join(project, "handler.ts");
    writeFileSync(handler, handlerSource(1));
    proc = run(
      process.execPath,
      [CLI_BIN, "dev", "handler.ts", "--port", "0", "--host", "127.0.0.1"],
      project,
    );
    const [, base] = await proc.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);

    for (const path of ["/runsync?wait=60000", "/v2/dev/runsync?wait=60000"]) {
      const r = await runsync(`${base}${path}`);
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: "COMPLETED", output: { version: 1, input: { n: 1 } } });
    }
    const health = await request(`${base}/health`);
    expect(health.statusCode).toBe(200);
    await health.body.dump();

    writeFileSync(handler, handlerSource(2));
    await proc.waitFor(/changed: .*handler\.ts: restarting the worker/);
    const reloaded = await until(
      async () => {
        const r = await runsync(`${base}/runsync?wait=30000`);
        return (r.body.output as { version?: number } | undefined)?.version === 2 ? r : undefined;
      },
      40_000,
      "reloaded handler",
    );
    expect(reloaded.body.status).toBe("COMPLETED");

    proc.child.kill("SIGINT");
    const exit = await proc.exited;
    expect(exit.code).toBe(0);
    expect(proc.stderr()).toContain("[gantry] stopped");
  }, 90_000);

  it("--rp_serve_api runs the platform in memory with the script itself as a production worker", async () => {
    project = tempProject();
    writeFileSync(join(project, "handler.ts"), handlerSource(7));
    proc = run(
      process.execPath,
      [
        "--import",
        TSX_LOADER,
        "handler.ts",
        "--rp_serve_api",
        "--rp_api_port",
        "0",
        "--rp_api_host",
        "127.0.0.1",
        "--extra",
      ],
      project,
    );
    const [, base] = await proc.waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
    for (const path of ["/runsync?wait=60000", "/v2/dev/runsync?wait=60000"]) {
      const r = await runsync(`${base}${path}`);
      expect(r.status).toBe(200);
      // The worker got the user's own flags but not the dev-server ones.
      expect(r.body).toMatchObject({ status: "COMPLETED", output: { version: 7, argv: ["--extra"] } });
    }
    // Exactly one dev server: the spawned worker did not start another.
    expect(proc.stdout().match(/listening on/g)).toHaveLength(1);
    proc.child.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  }, 90_000);

  it("gantry dev rejects a missing handler with exit code 2", async () => {
    proc = run(process.execPath, [CLI_BIN, "dev", "missing.ts", "--port", "0"], REPO_ROOT);
    const exit = await proc.exited;
    expect(exit.code).toBe(2);
    expect(proc.stderr()).toMatch(/handler not found: missing\.ts/);
  });
});
