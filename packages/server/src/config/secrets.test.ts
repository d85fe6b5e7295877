import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { loadConfig } from "./load.js";
import { prepareSecrets } from "./secrets.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gantry-secrets-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("generates both secrets once, mode 0600, and reuses them", () => {
  const config = loadConfig({ env: {}, config: { dataDir: join(dir, "nested") } });
  const first = prepareSecrets(config);
  expect(first.generatedApiKey).toMatch(/^gantry_[A-Za-z0-9_-]{32}$/);
  expect(first.workerSecret).toMatch(/^gantryw_/);
  const path = join(dir, "nested", "secrets.json");
  expect(statSync(path).mode & 0o777).toBe(0o600);
  const second = prepareSecrets(config);
  expect(second.generatedApiKey).toBeUndefined();
  expect(second.apiKeys).toEqual(first.apiKeys);
  expect(second.workerSecret).toBe(first.workerSecret);
});

test("configured values win; only the missing one is generated", () => {
  const config = loadConfig({ env: {}, config: { dataDir: dir, auth: { apiKeys: ["configured-key"] } } });
  const s = prepareSecrets(config);
  expect(s.apiKeys).toEqual(["configured-key"]);
  expect(s.generatedApiKey).toBeUndefined();
  expect(JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8"))).toEqual({
    workerSecret: s.workerSecret,
  });
});

test("nothing is written when everything is configured", () => {
  const config = loadConfig({
    env: {},
    config: {
      dataDir: join(dir, "none"),
      auth: { apiKeys: ["configured-key"], workerSecret: "configured-secret" },
    },
  });
  expect(prepareSecrets(config)).toEqual({ apiKeys: ["configured-key"], workerSecret: "configured-secret" });
  expect(() => statSync(join(dir, "none"))).toThrow();
});

test("a corrupt secrets file is an error, not a silent new key", () => {
  writeFileSync(join(dir, "secrets.json"), "nope");
  expect(() => prepareSecrets(loadConfig({ env: {}, config: { dataDir: dir } }))).toThrow();
});
