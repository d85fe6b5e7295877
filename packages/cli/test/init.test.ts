/**
 * `gantry init` as a user runs it, then the generated project's own tests (`npm test`) with real processes.
 *
 * No `npm install` in the temp project (slow and networked): its node_modules gets symlinks instead —
 * `@gantry/worker` to the `--sdk-path` it was created with (so the `file:` dependency is what gets resolved) and
 * `tsx` to this repo's copy. Their own dependencies resolve from their real paths inside this repo.
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cleanEnv, gantry, REPO_ROOT } from "./gantry-process.js";

const SDK = join(REPO_ROOT, "packages/worker");
let tmp: string | undefined;

afterEach(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  tmp = undefined;
});

function npmTest(cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const env = cleanEnv();
    delete env.NODE_OPTIONS;
    const child = spawn("npm", ["test", "--silent"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe("gantry init", () => {
  it("scaffolds a project whose own tests pass", async () => {
    tmp = mkdtempSync(join(tmpdir(), "gantry-init-"));
    const dir = join(tmp, "My Worker");
    const r = await gantry(["init", dir, "--sdk-path", SDK]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("created worker project my-worker");
    for (const f of [
      "package.json",
      "handler.ts",
      "handler.test.ts",
      "test_input.json",
      "gantry.json",
      "README.md",
      ".gitignore",
    ])
      expect(existsSync(join(dir, f)), f).toBe(true);

    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.type).toBe("module");
    expect(pkg.dependencies["@gantry/worker"]).toBe(`file:${SDK}`);
    const config = JSON.parse(readFileSync(join(dir, "gantry.json"), "utf8"));
    expect(config.endpoints[0]).toMatchObject({
      id: "my-worker",
      worker: { command: ["node", "--import", "tsx", "handler.ts"] },
    });

    mkdirSync(join(dir, "node_modules", "@gantry"), { recursive: true });
    symlinkSync(
      pkg.dependencies["@gantry/worker"].slice("file:".length),
      join(dir, "node_modules", "@gantry", "worker"),
    );
    symlinkSync(join(REPO_ROOT, "node_modules", "tsx"), join(dir, "node_modules", "tsx"));
    const t = await npmTest(dir);
    expect(t.code, t.out).toBe(0);
    expect(t.out).toMatch(/# pass 3/);
    expect(t.out).toMatch(/# fail 0/);
  }, 150_000);

  it("writes the released dependency by default and refuses a non-empty directory without --force", async () => {
    tmp = mkdtempSync(join(tmpdir(), "gantry-init-"));
    const r = await gantry(["init", "--name", "greeter"], { cwd: tmp });
    expect(r.code, r.stderr).toBe(0);
    const pkg = JSON.parse(readFileSync(join(tmp, "package.json"), "utf8"));
    expect(pkg.name).toBe("greeter");
    expect(pkg.dependencies["@gantry/worker"]).toBe("^0.1.0");

    writeFileSync(join(tmp, "handler.ts"), "// mine\n");
    const again = await gantry(["init", "--name", "greeter"], { cwd: tmp });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not empty .*use --force/);
    expect(readFileSync(join(tmp, "handler.ts"), "utf8")).toBe("// mine\n");

    const forced = await gantry(["init", "--name", "greeter", "--force"], { cwd: tmp });
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(join(tmp, "handler.ts"), "utf8")).toContain("export async function handler");

    const badSdk = await gantry(["init", join(tmp, "other"), "--sdk-path", tmp]);
    expect(badSdk.code).toBe(2);
    expect(badSdk.stderr).toMatch(/no @gantry\/worker package.json there/);
  }, 60_000);
});
