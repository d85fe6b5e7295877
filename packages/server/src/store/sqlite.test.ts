import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { describeStoreConformance } from "../testing/conformance.js";
import { openSqliteStore } from "./sqlite.js";
import { SCHEMA_VERSION } from "./sqlite-schema.js";

const dir = mkdtempSync(join(tmpdir(), "gantry-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStoreConformance("sqlite file", () => openSqliteStore({ path: join(dir, `t${n++}`, "gantry.db") }));
describeStoreConformance("sqlite :memory:", () => openSqliteStore({ path: ":memory:" }));

describe("sqlite file specifics", () => {
  const policy = { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false };

  it("creates the data directory, uses WAL and records the schema version", async () => {
    const path = join(dir, "nested", "deeper", "gantry.db");
    const store = await openSqliteStore({ path });
    await store.close();
    expect(existsSync(path)).toBe(true);
    const db = new Database(path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.prepare("SELECT version FROM schema_version").get()).toEqual({ version: SCHEMA_VERSION });
    db.close();
  });

  it("keeps jobs, chunks, counters and pending webhooks across a reopen", async () => {
    const path = join(dir, "reopen", "gantry.db");
    let store = await openSqliteStore({ path });
    const base = { endpointId: "ep", sync: false, input: 1, policy, createdAt: 1000, retentionMs: 60_000 };
    await store.insert({ ...base, id: "a", webhook: "http://127.0.0.1:1/h" });
    await store.insert({ ...base, id: "b" });
    await store.take("ep", "w", 1, 1100, 5000);
    await store.appendChunk("a", "w", "c1");
    await store.finish("a", "w", { status: "COMPLETED", hasOutput: true, output: 9, generator: false }, 1200);
    await store.close();

    store = await openSqliteStore({ path });
    expect(await store.get("a")).toMatchObject({ status: "COMPLETED", output: 9, streamCount: 1 });
    expect(await store.readChunks("a", 0)).toEqual([{ seq: 1, output: "c1" }]);
    expect((await store.dueWebhooks(2000, 10)).map((d) => d.jobId)).toEqual(["a"]);
    // queue order survives: the next insert still goes behind b
    await store.insert({ ...base, id: "c" });
    expect((await store.take("ep", "w", 2, 1300, 9000)).map((j) => j.id)).toEqual(["b", "c"]);
    await store.close();
  });

  it("refuses a database from a newer schema", async () => {
    const path = join(dir, "future", "gantry.db");
    await (await openSqliteStore({ path })).close();
    const db = new Database(path);
    db.prepare("UPDATE schema_version SET version = 999").run();
    db.close();
    await expect(openSqliteStore({ path })).rejects.toThrow(/schema version 999 is newer/);
  });
});
