/**
 * Vitest global setup of the browser tests: Debian's Chromium, installed when it is missing. Test tools cannot
 * download browsers of their own on our machines, so the system package is the browser. As root with apt-get
 * at hand, `apt-get install chromium` runs once per run, under a lock so that simultaneous runs on one machine
 * do not race; otherwise — or when that fails — the reason and the command that fixes it are handed to the tests
 * (`requireChromium` in chromium.ts), which fail with it: never a skip.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export const DEFAULT_CHROMIUM_PATH = "/usr/bin/chromium";
/** Overridable for machines that keep Chromium elsewhere; such a path is never installed to. */
export const CHROMIUM_PATH = process.env.GANTRY_CHROMIUM_PATH?.trim() || DEFAULT_CHROMIUM_PATH;
/** Set by `setup` for the test workers when Chromium is still missing: the whole failure message. */
export const CHROMIUM_PROBLEM_ENV = "GANTRY_TEST_CHROMIUM_PROBLEM";
/** Set to anything to forbid the install (the tests then fail with the message instead). */
export const NO_APT_ENV = "GANTRY_TEST_NO_APT";

const INSTALL_COMMAND = "apt-get update && apt-get install -y chromium";
const LOCK = join(tmpdir(), "gantry-apt-install.lock");
const INSTALL_TIMEOUT_MS = 15 * 60_000;

export function missingChromiumMessage(path: string, why: string): string {
  return (
    `Chromium not found at ${path}: the browser tests of @gantry/client need it (${why}). Install Debian's ` +
    `chromium package as root — \`${INSTALL_COMMAND}\` — or point GANTRY_CHROMIUM_PATH at another Chromium binary.`
  );
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface InstallContext {
  path: string;
  env: NodeJS.ProcessEnv;
  isRoot: boolean;
  hasAptGet: boolean;
}

/** Why the tests may not install Chromium themselves here, or undefined when they may. */
export function installBlocker(c: InstallContext): string | undefined {
  if (c.path !== DEFAULT_CHROMIUM_PATH)
    return `GANTRY_CHROMIUM_PATH points there, and the tests install only Debian's ${DEFAULT_CHROMIUM_PATH}`;
  if (c.env[NO_APT_ENV]) return `${NO_APT_ENV} is set, so the tests do not install it`;
  if (!c.isRoot) return "the tests install it themselves only when run as root";
  if (!c.hasAptGet) return "apt-get was not found to install it with";
  return undefined;
}

/**
 * `apt-get install -y <pkg>` unless `binary` exists, under `flock` when there is one; resolves with apt-get's exit
 * code and the tail of its output.
 */
export function aptInstall(pkg: string, binary: string): Promise<{ code: number | null; output: string }> {
  // Checked again under the lock: another run may have installed it while this one waited.
  const script =
    `[ -x ${binary} ] || { apt-get -q -o DPkg::Lock::Timeout=600 update && ` +
    `apt-get -q -o DPkg::Lock::Timeout=600 install -y ${pkg}; }`;
  const [command, args] = onPath("flock")
    ? ["flock", ["-w", "900", LOCK, "sh", "-c", script]]
    : ["sh", ["-c", script]];
  return new Promise((resolve) => {
    const child = spawn(command, args as string[], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (d: Buffer) => {
      output = (output + d.toString("utf8")).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGTERM"), INSTALL_TIMEOUT_MS);
    child.once("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, output: e.message });
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export async function setup(): Promise<void> {
  if (existsSync(CHROMIUM_PATH)) return;
  const blocker = installBlocker({
    path: CHROMIUM_PATH,
    env: process.env,
    isRoot: process.getuid?.() === 0,
    hasAptGet: onPath("apt-get"),
  });
  let problem: string | undefined;
  if (blocker) problem = missingChromiumMessage(CHROMIUM_PATH, blocker);
  else {
    console.log(`[chromium] ${CHROMIUM_PATH} is missing: installing Debian's chromium with apt-get…`);
    const { code, output } = await aptInstall("chromium", DEFAULT_CHROMIUM_PATH);
    if (existsSync(CHROMIUM_PATH)) console.log("[chromium] installed");
    else {
      const tail = output.trim().split("\n").slice(-15).join("\n");
      problem = missingChromiumMessage(
        CHROMIUM_PATH,
        `\`${INSTALL_COMMAND}\` failed (exit ${code}):\n${tail}\n`,
      );
    }
  }
  if (problem) {
    process.env[CHROMIUM_PROBLEM_ENV] = problem;
    console.error(`[chromium] ${problem}`);
  }
}
