import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import {
  dropTestSchemas,
  requirePostgres,
  testDatabaseUrl,
  testSchemaPrefix,
} from "../testing/postgres-test-db.js";
import { describeStore, openStore } from "./open-store.js";
import { PostgresStore } from "./postgres.js";
import { SqliteStore } from "./sqlite.js";

const url = testDatabaseUrl();
const prefix = testSchemaPrefix();
const dir = mkdtempSync(join(tmpdir(), "gantry-open-store-"));

beforeAll(() => requirePostgres(url));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropTestSchemas(prefix, url);
});

const load = (config: unknown, env: Record<string, string> = {}) => loadConfig({ config, env, cwd: dir });

describe("store selection in the config", () => {
  it("defaults to SQLite, and DATABASE_URL alone selects PostgreSQL", () => {
    expect(load({})).toMatchObject({ store: "sqlite" });
    expect(load({}).databaseUrl).toBeUndefined();
    const pgUrl = "postgres://u:pw@db.example:5432/gantry";
    expect(load({}, { DATABASE_URL: pgUrl })).toMatchObject({
      store: "postgres",
      databaseUrl: pgUrl,
      postgres: { schema: "gantry", poolSize: 10, migrate: true },
    });
    expect(
      load({ databaseUrl: pgUrl, postgres: { schema: "s1", poolSize: 3, migrate: false } }),
    ).toMatchObject({
      store: "postgres",
      postgres: { schema: "s1", poolSize: 3, migrate: false },
    });
  });

  it("an explicit store wins over DATABASE_URL; GANTRY_DATABASE_URL outranks it", () => {
    const env = { DATABASE_URL: "postgres://a@h/x", GANTRY_STORE: "memory" };
    expect(load({}, env).store).toBe("memory");
    expect(load({ store: "sqlite" }, { DATABASE_URL: "postgres://a@h/x" }).store).toBe("sqlite");
    expect(
      load({}, { DATABASE_URL: "postgres://a@h/x", GANTRY_DATABASE_URL: "postgresql://b@h/y" }).databaseUrl,
    ).toBe("postgresql://b@h/y");
  });

  it("ignores a DATABASE_URL of another database kind, but rejects a bad Gantry one", () => {
    expect(load({}, { DATABASE_URL: "mysql://u@h/db" }).store).toBe("sqlite");
    expect(() => load({}, { GANTRY_DATABASE_URL: "mysql://u@h/db" })).toThrow(/databaseUrl.*postgres:\/\//s);
    expect(() => load({ store: "postgres" })).toThrow(/databaseUrl: required when store is "postgres"/);
    expect(() => load({ databaseUrl: "postgres://h/db", postgres: { schema: "bad-name" } })).toThrow(
      /postgres\.schema/,
    );
    expect(() => load({ databaseUrl: "postgres://h/db", postgres: { poolsize: 3 } })).toThrow(/poolsize/);
  });
});

describe("openStore", () => {
  it("opens SQLite in the data dir, in memory, or PostgreSQL per the config", async () => {
    const file = await openStore(load({ dataDir: join(dir, "data") }));
    expect(file).toBeInstanceOf(SqliteStore);
    await file.close();
    const mem = await openStore(load({ store: "memory" }));
    expect(mem).toBeInstanceOf(SqliteStore);
    await mem.close();
    const config = load({ postgres: { schema: `${prefix}_a`, poolSize: 2 } }, { DATABASE_URL: url });
    const pg = await openStore(config);
    expect(pg).toBeInstanceOf(PostgresStore);
    expect((pg as PostgresStore).schema).toBe(`${prefix}_a`);
    expect(await pg.jobs.queuedCount("ep")).toBe(0);
    await pg.close();
  });

  it("describes the store without showing a password", () => {
    expect(describeStore(load({ dataDir: "/var/lib/gantry" }))).toBe("/var/lib/gantry/gantry.db");
    expect(describeStore(load({ store: "memory" }))).toBe("memory");
    const d = describeStore(load({}, { DATABASE_URL: "postgres://u:hunter22@db:5432/g" }));
    expect(d).toBe("postgres postgres://u:***@db:5432/g schema gantry");
  });
});
