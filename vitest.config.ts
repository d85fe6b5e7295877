import { defineConfig } from "vitest/config";

/** The client's tests in headless Chromium: a project of their own, so only a run that has them provisions it. */
const BROWSER_TESTS = "packages/client/test/browser/**/*.test.ts";

export default defineConfig({
  test: {
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real processes and real ports: two cores, so keep the fan-out modest.
    maxWorkers: 2,
    fileParallelism: true,
    // Global setups run once per run, in Vitest's own process, and only for a project that has tests in it.
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          include: [
            "packages/*/src/**/*.test.ts",
            "packages/*/test/**/*.test.ts",
            "examples/*/**/*.test.ts",
            "bench/**/*.test.ts",
          ],
          exclude: [BROWSER_TESTS],
          // A throwaway PostgreSQL when none answers at the test database URL.
          globalSetup: ["packages/server/src/testing/postgres-global-setup.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          include: [BROWSER_TESTS],
          // Debian's Chromium, installed with apt-get when missing and allowed.
          globalSetup: ["packages/client/test/browser/chromium-provision.ts"],
        },
      },
    ],
  },
});
