/** `gantry migrate` in-process against the real PostgreSQL (GANTRY_TEST_DATABASE_URL overrides the default). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { openPostgresStore } from "@gantry/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dropTestSchemas,
  requirePostgres,
  testDatabaseUrl,
  testSchemaPrefix,
} from "../../server/src/testing/postgres-test-db.js";
import { runCli } from "../src/run.js";

const url = testDatabaseUrl();
const prefix = testSchemaPrefix();
const dir = mkdtempSync(join(tmpdir(), "gantry-migrate-"));

beforeAll(() => requirePostgres(url));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropTestSchemas(prefix, url);
});

async function gantry(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const code = await runCli(args, { stdout, stderr, env: { NO_COLOR: "1", ...env }, cwd: dir });
  return { code, out, err };
}

describe("gantry migrate", () => {
  it("creates the schema once, then reports it up to date", async () => {
    const schema = `${prefix}_cli`;
    const first = await gantry(["migrate", "--database-url", url, "--schema", schema]);
    expect(first).toMatchObject({ code: 0, err: "" });
    expect(first.out).toMatch(new RegExp(`migrated PostgreSQL schema "${schema}" .* from version 0 to \\d+`));
    const again = await gantry(["migrate", "--schema", schema, "--json"], { DATABASE_URL: url });
    expect(again.code).toBe(0);
    const line = JSON.parse(again.out) as { event: string; schema: string; from: number; to: number };
    expect(line).toMatchObject({ event: "migrated", schema });
    expect(line.from).toBe(line.to);
    // A store that refuses to migrate opens only on a schema at exactly this version.
    const store = await openPostgresStore({ connectionString: url, schema, migrate: false });
    expect(await store.jobs.queuedCount("ep")).toBe(0);
    await store.close();
  });

  it("takes the URL and schema from a config file", async () => {
    const schema = `${prefix}_file`;
    const file = join(dir, "gantry.json");
    writeFileSync(file, JSON.stringify({ databaseUrl: url, postgres: { schema } }));
    const r = await gantry(["migrate", "-c", file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`"${schema}"`);
  });

  it("refuses to run without PostgreSQL configured, or with a bad schema name (exit 2)", async () => {
    const none = await gantry(["migrate"]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/nothing to migrate: the store is "sqlite"/);
    const bad = await gantry(["migrate", "--database-url", url, "--schema", "no-dashes"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/invalid PostgreSQL schema name/);
    const badUrl = await gantry(["migrate", "--database-url", "mysql://x@h/db"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.err).toMatch(/databaseUrl/);
  });

  it("fails with exit 1 and a password-free message when the server is unreachable", async () => {
    const r = await gantry(["migrate", "--database-url", "postgres://u:topsecret@127.0.0.1:1/db"]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /migration failed: cannot connect to PostgreSQL at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db/,
    );
    expect(r.err).not.toContain("topsecret");
  });
});
