import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { byLimit } from "./sqlite-limit.js";

describe("byLimit", () => {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY)");
  db.exec("INSERT INTO t (n) VALUES (1), (2), (3), (4), (5)");
  const prepared: string[] = [];
  const upTo = byLimit("SELECT n FROM t WHERE n > ? ORDER BY n LIMIT ?", (sql) => {
    prepared.push(sql);
    return db.prepare<[number], { n: number }>(sql);
  });

  it("writes the limit into the SQL and prepares each limit once", () => {
    expect(
      upTo(2)
        .all(0)
        .map((r) => r.n),
    ).toEqual([1, 2]);
    expect(
      upTo(2)
        .all(3)
        .map((r) => r.n),
    ).toEqual([4, 5]);
    expect(
      upTo(10)
        .all(1)
        .map((r) => r.n),
    ).toEqual([2, 3, 4, 5]);
    expect(upTo(0).all(0)).toEqual([]);
    expect(prepared).toEqual([
      "SELECT n FROM t WHERE n > ? ORDER BY n LIMIT 2",
      "SELECT n FROM t WHERE n > ? ORDER BY n LIMIT 10",
      "SELECT n FROM t WHERE n > ? ORDER BY n LIMIT 0",
    ]);
  });

  it("refuses a limit that is not a non-negative integer, and SQL without LIMIT ?", () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => upTo(bad)).toThrow(RangeError);
    expect(() => byLimit("SELECT 1", (sql) => sql)).toThrow(/no "LIMIT \?"/);
  });

  it("keeps a bounded number of statements", () => {
    const seen: string[] = [];
    const f = byLimit("SELECT n FROM t LIMIT ?", (sql) => {
      seen.push(sql);
      return db.prepare(sql);
    });
    for (let i = 1; i <= 100; i++) f(i);
    f(100);
    expect(seen).toHaveLength(100);
    f(1); // evicted long ago: prepared again
    expect(seen).toHaveLength(101);
  });
});
