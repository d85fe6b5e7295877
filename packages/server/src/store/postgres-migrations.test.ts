import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dropTestSchemas,
  requirePostgres,
  testDatabaseUrl,
  testSchemaPrefix,
} from "../testing/postgres-test-db.js";
import { migratePostgres, openPostgresStore, redactConnectionString } from "./postgres.js";
import { POSTGRES_SCHEMA_VERSION } from "./postgres-migrations.js";

const url = testDatabaseUrl();
const prefix = testSchemaPrefix();
let n = 0;
const fresh = () => `${prefix}_${++n}`;

let admin: pg.Client;
beforeAll(async () => {
  await requirePostgres(url);
  admin = new pg.Client({ connectionString: url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await dropTestSchemas(prefix, url);
});

const versions = async (schema: string): Promise<number[]> =>
  (
    await admin.query<{ version: number }>(`SELECT version FROM "${schema}".schema_version ORDER BY version`)
  ).rows.map((r) => r.version);

describe("postgres migrations", () => {
  it("creates the schema, records each version once and is idempotent", async () => {
    const schema = fresh();
    expect(await migratePostgres({ connectionString: url, schema })).toEqual({
      schema,
      from: 0,
      to: POSTGRES_SCHEMA_VERSION,
    });
    expect(await migratePostgres({ connectionString: url, schema })).toEqual({
      schema,
      from: POSTGRES_SCHEMA_VERSION,
      to: POSTGRES_SCHEMA_VERSION,
    });
    const store = await openPostgresStore({ connectionString: url, schema });
    await store.close();
    expect(await versions(schema)).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
    const tables = await admin.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename",
      [schema],
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining(["chunks", "endpoint_counters", "jobs", "schema_version", "webhook_outbox"]),
    );
  });

  it("many nodes migrating at once apply each migration exactly once", async () => {
    const schema = fresh();
    const results = await Promise.all([
      migratePostgres({ connectionString: url, schema }),
      migratePostgres({ connectionString: url, schema }),
      openPostgresStore({ connectionString: url, schema, poolSize: 2 }),
      openPostgresStore({ connectionString: url, schema, poolSize: 2 }),
    ]);
    const migrations = results.slice(0, 2) as { from: number }[];
    expect(migrations.filter((m) => m.from === 0).length).toBeLessThanOrEqual(1);
    for (const s of results.slice(2)) await (s as { close(): Promise<void> }).close();
    expect(await versions(schema)).toEqual(Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it("with migrate: false, refuses an unmigrated schema and opens a migrated one", async () => {
    const schema = fresh();
    await expect(openPostgresStore({ connectionString: url, schema, migrate: false })).rejects.toThrow(
      /version 0, this Gantry needs \d+: run `gantry migrate`/,
    );
    await migratePostgres({ connectionString: url, schema });
    const store = await openPostgresStore({ connectionString: url, schema, migrate: false });
    expect(await store.jobs.get("nope")).toBeUndefined();
    await store.close();
  });

  it("refuses a schema written by a newer Gantry, migrating or not", async () => {
    const schema = fresh();
    await migratePostgres({ connectionString: url, schema });
    await admin.query(`INSERT INTO "${schema}".schema_version (version, applied_at) VALUES (999, 0)`);
    await expect(openPostgresStore({ connectionString: url, schema })).rejects.toThrow(/version 999, newer/);
    await expect(openPostgresStore({ connectionString: url, schema, migrate: false })).rejects.toThrow(
      /version 999, newer/,
    );
  });

  it("keeps jobs across a reopen (a restarted node sees everything)", async () => {
    const schema = fresh();
    const policy = { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false };
    const base = { endpointId: "ep", sync: false, input: 1, policy, createdAt: 1000, retentionMs: 60_000 };
    let store = await openPostgresStore({ connectionString: url, schema });
    await store.jobs.insert({ ...base, id: "a" });
    await store.jobs.insert({ ...base, id: "b" });
    await store.close();
    await store.close(); // idempotent
    store = await openPostgresStore({ connectionString: url, schema });
    await store.jobs.insert({ ...base, id: "c" });
    expect(
      (await store.jobs.take({ endpointId: "ep", workerId: "w", max: 5, now: 1100, leaseUntil: 9000 })).map(
        (j) => j.id,
      ),
    ).toEqual(["a", "b", "c"]);
    await store.close();
  });
});

describe("postgres without prepared statements", () => {
  it("works the same (for transaction-mode poolers)", async () => {
    const schema = fresh();
    const store = await openPostgresStore({ connectionString: url, schema, prepare: false });
    const policy = { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false };
    await store.jobs.insert({
      id: "a",
      endpointId: "ep",
      sync: false,
      input: { x: 1 },
      policy,
      createdAt: 1,
      retentionMs: 1,
    });
    const [t] = await store.jobs.take({ endpointId: "ep", workerId: "w", max: 1, now: 2, leaseUntil: 9000 });
    expect(t?.id).toBe("a");
    const r = await store.jobs.finish({
      id: "a",
      workerId: "w",
      status: "COMPLETED",
      hasOutput: true,
      output: 7,
      generator: false,
      now: 3,
    });
    expect(r).toMatchObject({ ok: true, job: { status: "COMPLETED", output: 7 } });
    await store.close();
  });
});

describe("postgres connection errors", () => {
  it("rejects bad options with a clear message", async () => {
    await expect(openPostgresStore({ connectionString: "mysql://x" })).rejects.toThrow(/postgres:\/\//);
    await expect(openPostgresStore({ connectionString: url, schema: 'x"; drop' })).rejects.toThrow(
      /invalid PostgreSQL schema name/,
    );
    await expect(openPostgresStore({ connectionString: url, poolSize: 0 })).rejects.toThrow(/poolSize/);
  });

  it("says where it failed to connect, without the password", async () => {
    const bad = "postgres://root:s3cret-pw@127.0.0.1:1/test";
    const err = await openPostgresStore({ connectionString: bad, connectTimeoutMs: 5000 }).catch(
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /cannot connect to PostgreSQL at postgres:\/\/root:\*\*\*@127\.0\.0\.1:1\/test/,
    );
    expect((err as Error).message).not.toContain("s3cret-pw");
    expect(redactConnectionString("postgres://u@h/db")).toBe("postgres://u@h/db");
    expect(redactConnectionString("not a url")).toBe("(unparseable connection string)");
  });
});
