/**
 * Debian's `chromium` driven by playwright-core. `npx playwright install` cannot fetch browsers on our machines,
 * so the system package is the browser: the run's global setup (chromium-provision.ts) installs it when it may,
 * and a missing one is a failure with the command that fixes it, never a skip.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { CHROMIUM_PATH, CHROMIUM_PROBLEM_ENV, missingChromiumMessage } from "./chromium-provision.js";

export { CHROMIUM_PATH } from "./chromium-provision.js";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Throws, with why it is missing and how to install it, when the Chromium binary is not there. */
export function requireChromium(path = CHROMIUM_PATH): string {
  if (!existsSync(path))
    throw new Error(
      process.env[CHROMIUM_PROBLEM_ENV] ??
        missingChromiumMessage(
          path,
          "the global setup of the repository's vitest.config.ts installs it as root",
        ),
    );
  return path;
}

/** Starts a headless Chromium with a fresh profile; `close()` stops it and removes the profile. */
export async function launchChromium(): Promise<Chromium> {
  const executablePath = requireChromium();
  const profile = mkdtempSync(join(tmpdir(), "gantry-chromium-"));
  try {
    // Playwright owns `--user-data-dir`: a persistent context is how a fresh profile directory is passed.
    const context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: ARGS,
      timeout: 30_000,
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}
