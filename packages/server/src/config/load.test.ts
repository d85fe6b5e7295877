import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { ConfigError, isLoopbackHost, loadConfig } from "./load.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gantry-config-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  test("defaults", () => {
    const c = loadConfig({ env: {}, cwd: dir });
    expect(c).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      dataDir: join(dir, ".gantry"),
      store: "sqlite",
      logLevel: "info",
      pingIntervalMs: 10000,
      takeHoldMs: 55000,
      webhook: { attempts: 3, delayMs: 10000 },
      auth: { apiKeys: [], disabled: false },
      endpoints: [],
    });
    expect(c.publicUrl).toBeUndefined();
  });

  test("reads a JSON file; relative dataDir is relative to the file; endpoints get resolved defaults", () => {
    const path = join(dir, "gantry.json");
    writeFileSync(
      path,
      JSON.stringify({
        port: 9000,
        dataDir: "data",
        publicUrl: "http://10.0.0.5:9000/",
        auth: { apiKeys: ["key-aaaaaaaa"], workerSecret: "secret-aaaa" },
        rateLimits: { run: { limit: 5, windowMs: 1000 }, "purge-queue": null },
        endpoints: [{ id: "ep1", executionTimeoutMs: 60000, limits: { resultBytes: 1000 } }],
      }),
    );
    const c = loadConfig({ configPath: path, env: {} });
    expect(c.port).toBe(9000);
    expect(c.dataDir).toBe(join(dir, "data"));
    expect(c.publicUrl).toBe("http://10.0.0.5:9000");
    expect(c.auth).toEqual({ apiKeys: ["key-aaaaaaaa"], workerSecret: "secret-aaaa", disabled: false });
    expect(c.rateLimits).toEqual({ run: { limit: 5, windowMs: 1000 }, "purge-queue": null });
    expect(c.endpoints[0]).toMatchObject({ id: "ep1", executionTimeoutMs: 60000, ttlMs: 86400000 });
    expect(c.endpoints[0]?.limits.resultBytes).toBe(1000);
  });

  test("precise messages, one per problem", () => {
    expect(
      problems(() =>
        loadConfig({
          env: {},
          config: {
            port: "eighty",
            store: "redis",
            pingIntervalMs: 500,
            endpoints: [
              { id: "ep1", executionTimeoutMs: 10 },
              { id: "bad id" },
              { id: "ep3", scaling: { workersMax: 1.5 } },
            ],
            extra: true,
          },
        }),
      ).sort(),
    ).toEqual(
      [
        "endpoints[0].executionTimeoutMs: must be ≥ 5000",
        "endpoints[1].id: must match [A-Za-z0-9_-]+",
        "endpoints[2].scaling.workersMax: must be an integer",
        'store: must be one of "sqlite", "memory", "postgres"',
        "pingIntervalMs: must be ≥ 1000",
        "port: must be a number",
        'unknown key "extra"',
      ].sort(),
    );
  });

  test("misspelt keys and duplicate endpoints are reported", () => {
    expect(problems(() => loadConfig({ env: {}, config: { endpoints: [{ id: "a", ttl: 5 }] } }))).toEqual([
      'endpoints[0]: unknown key "ttl"',
    ]);
    expect(
      problems(() => loadConfig({ env: {}, config: { endpoints: [{ id: "a" }, { id: "a" }] } })),
    ).toEqual(['endpoints[1].id: duplicate endpoint id "a"']);
    expect(
      problems(() =>
        loadConfig({
          env: {},
          config: { endpoints: [{ id: "a", scaling: { workersMin: 5, workersMax: 2 } }] },
        }),
      )[0],
    ).toMatch(/^endpoints\[0\]: .*workersMin \(5\) exceeds workersMax \(2\)/);
  });

  test("unreadable or non-JSON files give a clear error", () => {
    expect(() => loadConfig({ configPath: join(dir, "missing.json"), env: {} })).toThrow(
      /cannot read the file/,
    );
    const path = join(dir, "bad.json");
    writeFileSync(path, "{ port: 1 ");
    expect(() => loadConfig({ configPath: path, env: {} })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ config: [1], env: {} })).toThrow(/must be a JSON object/);
  });

  test("environment overrides the file; overrides (flags) override both", () => {
    const c = loadConfig({
      config: { port: 1000, host: "127.0.0.1", auth: { workerSecret: "from-file-secret" } },
      env: {
        GANTRY_PORT: "2000",
        GANTRY_HOST: "localhost",
        GANTRY_API_KEYS: "key-one-aaaa, key-two-bbbb",
        GANTRY_LOG_LEVEL: "DEBUG",
        GANTRY_STORE: "memory",
        GANTRY_ENDPOINTS: "a,b",
        GANTRY_DATA_DIR: "/tmp/gantry-x",
      },
      overrides: { port: 3000 },
    });
    expect(c.port).toBe(3000);
    expect(c.host).toBe("localhost");
    expect(c.auth.apiKeys).toEqual(["key-one-aaaa", "key-two-bbbb"]);
    expect(c.auth.workerSecret).toBe("from-file-secret");
    expect(c.logLevel).toBe("debug");
    expect(c.store).toBe("memory");
    expect(c.dataDir).toBe("/tmp/gantry-x");
    expect(c.endpoints.map((e) => e.id)).toEqual(["a", "b"]);
    expect(problems(() => loadConfig({ env: { GANTRY_PORT: "x" } }))).toEqual(["port: must be a number"]);
  });

  test("auth.disabled only on loopback", () => {
    expect(loadConfig({ env: {}, config: { auth: { disabled: true } } }).auth.disabled).toBe(true);
    expect(loadConfig({ env: {}, config: { host: "::1", auth: { disabled: true } } }).auth.disabled).toBe(
      true,
    );
    expect(
      problems(() => loadConfig({ env: {}, config: { host: "0.0.0.0", auth: { disabled: true } } }))[0],
    ).toMatch(/^auth\.disabled: only allowed when bound to a loopback host/);
    expect(isLoopbackHost("127.0.0.2")).toBe(true);
    expect(isLoopbackHost("[::1]")).toBe(true);
    expect(isLoopbackHost("10.0.0.1")).toBe(false);
  });
});

test("metrics.auth: default false, from the file or GANTRY_METRICS_AUTH, strict", () => {
  expect(loadConfig({ env: {} }).metrics).toEqual({ auth: false });
  expect(loadConfig({ env: {}, config: { metrics: { auth: true } } }).metrics).toEqual({ auth: true });
  expect(loadConfig({ env: { GANTRY_METRICS_AUTH: "true" } }).metrics).toEqual({ auth: true });
  expect(
    loadConfig({ env: { GANTRY_METRICS_AUTH: "0" }, config: { metrics: { auth: true } } }).metrics,
  ).toEqual({ auth: false });
  expect(() => loadConfig({ env: {}, config: { metrics: { auth: "yes" } } })).toThrow(
    /metrics\.auth: must be a boolean/,
  );
  expect(() => loadConfig({ env: {}, config: { metrics: { open: true } } })).toThrow(
    /metrics: unknown key "open"/,
  );
});
