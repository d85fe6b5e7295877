import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { describeStoreConformance } from "../testing/conformance.js";
import { openSqliteStore, PLANNED_SQL } from "./sqlite.js";
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
    await store.jobs.insert({ ...base, id: "a", webhook: "http://127.0.0.1:1/h" });
    await store.jobs.insert({ ...base, id: "b" });
    await store.jobs.take({ endpointId: "ep", workerId: "w", max: 1, now: 1100, leaseUntil: 5000 });
    await store.jobs.appendChunk({ id: "a", workerId: "w", output: "c1" });
    await store.jobs.finish({
      id: "a",
      workerId: "w",
      status: "COMPLETED",
      hasOutput: true,
      output: 9,
      generator: false,
      now: 1200,
    });
    await store.close();

    store = await openSqliteStore({ path });
    expect(await store.jobs.get("a")).toMatchObject({ status: "COMPLETED", output: 9, streamCount: 1 });
    expect(await store.jobs.readChunks("a", 0)).toEqual([{ seq: 1, output: "c1" }]);
    expect((await store.webhooks.due(2000, 10)).map((d) => d.jobId)).toEqual(["a"]);
    // queue order survives: the next insert still goes behind b
    await store.jobs.insert({ ...base, id: "c" });
    expect(
      (await store.jobs.take({ endpointId: "ep", workerId: "w", max: 2, now: 1300, leaseUntil: 9000 })).map(
        (j) => j.id,
      ),
    ).toEqual(["b", "c"]);
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

describe("sqlite performance paths", () => {
  const policy = { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false };
  const base = { endpointId: "ep", sync: false, input: 1, policy, createdAt: 1000, retentionMs: 60_000 };

  it("keeps the per-status counters in step with every change, and seeds them when migrating an old file", async () => {
    const path = join(dir, "counters", "gantry.db");
    let store = await openSqliteStore({ path });
    for (const id of ["a", "b", "c", "d"]) await store.jobs.insert({ ...base, id });
    await store.jobs.insert({ ...base, id: "x", endpointId: "other" });
    await store.jobs.take({ endpointId: "ep", workerId: "w", max: 2, now: 1100, leaseUntil: 5000 });
    await store.jobs.finish({
      id: "a",
      workerId: "w",
      status: "COMPLETED",
      hasOutput: false,
      generator: false,
      now: 1200,
    });
    await store.jobs.cancel("c", 1300);
    await store.jobs.purgeQueue("other");
    const expected = {
      inQueue: 1,
      inProgress: 1,
      completed: 1,
      cancelled: 1,
      failed: 0,
      timedOut: 0,
      retried: 0,
    };
    expect(await store.jobs.counts("ep")).toEqual(expected);
    expect(await store.jobs.queuedCount("ep")).toBe(1);
    expect(await store.jobs.queuedCount("other")).toBe(0);
    await store.close();

    // An old database (schema 3, no counters) is counted once when migrated.
    const db = new Database(path);
    db.exec(
      "DROP TRIGGER jobs_count_insert; DROP TRIGGER jobs_count_delete; DROP TRIGGER jobs_count_update; DROP TABLE job_status_counts; CREATE INDEX jobs_endpoint_status ON jobs (endpoint_id, status); CREATE INDEX jobs_lease ON jobs (lease_until) WHERE status = 'IN_PROGRESS'; CREATE INDEX jobs_deadline ON jobs (deadline_at) WHERE status = 'IN_PROGRESS'; DELETE FROM meta WHERE key = 'queue_pos_owner'; UPDATE schema_version SET version = 3",
    );
    db.close();
    store = await openSqliteStore({ path });
    expect(await store.jobs.counts("ep")).toEqual(expected);
    await store.close();
  });

  it("keeps the take and the sweeps on an index after dropping the lease and deadline indexes (migration 5)", async () => {
    const path = join(dir, "plans", "gantry.db");
    const store = await openSqliteStore({ path });
    for (let i = 0; i < 50; i++) await store.jobs.insert({ ...base, id: `q${i}` });
    await store.jobs.take({ endpointId: "ep", workerId: "w", max: 5, now: 1100, leaseUntil: 5000 });
    await store.close();
    const db = new Database(path, { readonly: true });
    const names = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]
    ).map((r) => r.name);
    expect(names).not.toContain("jobs_lease");
    expect(names).not.toContain("jobs_deadline");
    const plan = (sql: string): string => {
      const params = (sql.match(/\?/g) ?? []).map(() => 1);
      return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join(" | ");
    };
    expect(plan(PLANNED_SQL.queued)).toMatch(/SEARCH jobs USING INDEX jobs_take \(endpoint_id=\?\)/);
    expect(plan(PLANNED_SQL.queued.replace("LIMIT ?", "LIMIT 1"))).toMatch(
      /SEARCH jobs USING INDEX jobs_take \(endpoint_id=\?\)/,
    );
    expect(plan(PLANNED_SQL.byWorker)).toMatch(/SEARCH jobs USING INDEX jobs_worker \(worker_id=\?\)/);
    expect(plan(PLANNED_SQL.expiredLeases)).toMatch(/SCAN jobs USING INDEX jobs_worker/);
    expect(plan(PLANNED_SQL.overdue)).toMatch(/SCAN jobs USING INDEX jobs_worker/);
    expect(plan(PLANNED_SQL.loads)).toMatch(/SEARCH jobs USING INDEX \w+ \(endpoint_id=\? AND status=\?\)/);
    for (const sql of Object.values(PLANNED_SQL)) expect(plan(sql)).not.toMatch(/SCAN jobs(?! USING)/);
    db.close();
  });

  it("hands out queue positions from reserved blocks, FIFO across stores on one file, rollbacks and reopens", async () => {
    const path = join(dir, "positions", "gantry.db");
    const a = await openSqliteStore({ path });
    const b = await openSqliteStore({ path });
    const order: string[] = [];
    const add = async (store: typeof a, id: string) => {
      await store.jobs.insert({ ...base, id });
      order.push(id);
    };
    await add(a, "a1");
    await add(b, "b1");
    await add(a, "a2");
    await add(a, "a3");
    await add(b, "b2");
    // A failing insert (duplicate id) rolls back whatever it reserved; the next one must still go to the tail.
    await expect(b.jobs.insert({ ...base, id: "a1" })).rejects.toThrow();
    await add(b, "b3");
    await add(a, "a4");
    // A fresh store whose first reservation rolls back, then another fresh store reserving the same block: the
    // counter comes back to the first one's stale block end, and only the owner token tells them apart.
    const d = await openSqliteStore({ path });
    const e = await openSqliteStore({ path });
    await expect(d.jobs.insert({ ...base, id: "a1" })).rejects.toThrow();
    await add(e, "e1");
    await add(d, "d1");
    await add(e, "e2");
    await add(d, "d2");
    await Promise.all([a.close(), b.close(), d.close(), e.close()]);
    const c = await openSqliteStore({ path });
    await add(c, "c1");
    await add(c, "c2");
    expect(
      (await c.jobs.take({ endpointId: "ep", workerId: "w", max: 100, now: 1100, leaseUntil: 9000 })).map(
        (j) => j.id,
      ),
    ).toEqual(order);
    await c.close();
    // Positions never repeat, and none lies beyond the reserved counter.
    const db = new Database(path, { readonly: true });
    const reserved = (db.prepare("SELECT value FROM meta WHERE key = 'queue_pos'").get() as { value: number })
      .value;
    const maxPos = (db.prepare("SELECT max(queue_pos) AS m FROM jobs").get() as { m: number }).m;
    expect(maxPos).toBeLessThanOrEqual(reserved);
    const distinct = db.prepare("SELECT count(DISTINCT queue_pos) = count(*) AS ok FROM jobs").get() as {
      ok: number;
    };
    expect(distinct.ok).toBe(1);
    expect(reserved % 256).toBe(0);
    db.close();
  });

  it("refuses to start when the jobs columns no longer match the raw-row mapping", async () => {
    const path = join(dir, "columns", "gantry.db");
    await (await openSqliteStore({ path })).close();
    const db = new Database(path);
    db.exec("ALTER TABLE jobs ADD COLUMN surprise TEXT");
    db.close();
    await expect(openSqliteStore({ path })).rejects.toThrow(/jobs columns changed/);
  });

  it("lets two stores on one file in one process write in the same turn without locking each other out", async () => {
    const path = join(dir, "two-connections", "gantry.db");
    const a = await openSqliteStore({ path });
    const b = await openSqliteStore({ path });
    // Both open a batch in this turn: b's BEGIN would wait forever on a's uncommitted one without the hand-off.
    const writes = [
      a.jobs.insert({ ...base, id: "a1" }),
      b.jobs.insert({ ...base, id: "b1" }),
      a.jobs.insert({ ...base, id: "a2" }),
    ];
    await Promise.all(writes);
    expect(await a.jobs.counts("ep")).toMatchObject({ inQueue: 3 });
    expect((await b.jobs.get("a2"))?.status).toBe("IN_QUEUE");
    await a.close();
    await b.close();
  });

  it("commits the writes of one turn together, resolves none before the commit, and isolates a failing call", async () => {
    const path = join(dir, "group", "gantry.db");
    const store = await openSqliteStore({ path });
    const observer = new Database(path, { readonly: true });
    const visible = () => (observer.prepare("SELECT count(*) AS n FROM jobs").get() as { n: number }).n;
    const writes = [store.jobs.insert({ ...base, id: "a" }), store.jobs.insert({ ...base, id: "b" })];
    // A duplicate id fails alone, inside the batch, without undoing the others.
    const failing = store.jobs.insert({ ...base, id: "a" }).catch((err: unknown) => err);
    // Nothing is committed yet: another connection sees no job until the turn ends.
    expect(visible()).toBe(0);
    const resolvedAt: number[] = [];
    await Promise.all(writes.map((w) => w.then(() => resolvedAt.push(visible()))));
    expect(String(await failing)).toMatch(/UNIQUE/);
    // Every promise resolved only once both rows were visible to another connection, i.e. committed.
    expect(resolvedAt).toEqual([2, 2]);
    observer.close();
    await store.close();
  });

  it("commits a pending batch on close", async () => {
    const path = join(dir, "close-flush", "gantry.db");
    let store = await openSqliteStore({ path });
    void store.jobs.insert({ ...base, id: "a" });
    await store.close();
    store = await openSqliteStore({ path });
    expect(await store.jobs.get("a")).toMatchObject({ id: "a", status: "IN_QUEUE" });
    await store.close();
  });
});
