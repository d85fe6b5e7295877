/** The LISTEN/NOTIFY bus against the real PostgreSQL: delivery between nodes, batching, and reconnecting. */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { requirePostgres, testDatabaseUrl } from "../testing/postgres-test-db.js";
import type { BusEvent } from "./bus.js";
import { PgBus } from "./pg-bus.js";

const url = testDatabaseUrl();
const buses: PgBus[] = [];
let channel: string;

beforeAll(() => requirePostgres(url));
afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
});

async function bus(nodeId: string): Promise<{ bus: PgBus; got: BusEvent[] }> {
  const b = new PgBus({ connectionString: url, channel, nodeId, backoffMs: 50, maxBackoffMs: 200 });
  buses.push(b);
  const got: BusEvent[] = [];
  b.subscribe((e) => got.push(e));
  await b.start();
  return { bus: b, got };
}

describe("PgBus", () => {
  it("delivers events to the other nodes, not back to the sender", async () => {
    channel = `gantry_bus_test_${randomBytes(4).toString("hex")}`;
    const a = await bus("a");
    const b = await bus("b");
    const c = await bus("c");
    a.bus.publish({ topic: "job", id: "j1" });
    a.bus.publish({ topic: "queue", id: "ep", wake: 1 });
    a.bus.publish({ topic: "queue", id: "ep", wake: 1 });
    await vi.waitFor(() => expect(b.got).toHaveLength(2));
    // One batch, coalesced: two queued jobs wake two takers.
    expect(b.got).toEqual([
      { topic: "job", id: "j1" },
      { topic: "queue", id: "ep", wake: 2 },
    ]);
    await vi.waitFor(() => expect(c.got).toEqual(b.got));
    expect(a.got).toEqual([]);
  });

  it("ignores foreign or malformed notifications on its channel", async () => {
    channel = `gantry_bus_test_${randomBytes(4).toString("hex")}`;
    const b = await bus("b");
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    try {
      for (const payload of ["", "no-newline", "x\nbogus line", "x\nstop 0 w1"])
        await raw.query("SELECT pg_notify($1, $2)", [channel, payload]);
    } finally {
      await raw.end();
    }
    await vi.waitFor(() => expect(b.got).toEqual([{ topic: "stop", id: "w1" }]));
  });

  it("reconnects its LISTEN connection after it is cut, and hears events again", async () => {
    channel = `gantry_bus_test_${randomBytes(4).toString("hex")}`;
    const a = await bus("a");
    const b = await bus("b");
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // Cut every connection listening on this channel (b's LISTEN connection, and a's).
      await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'gantry-bus' AND query ILIKE $1`,
        [`%${channel}%`],
      );
    } finally {
      await admin.end();
    }
    await vi.waitFor(() => expect(b.bus.listening).toBe(false));
    await vi.waitFor(() => expect(b.bus.listening).toBe(true), { timeout: 10_000 });
    await vi.waitFor(
      () => {
        a.bus.publish({ topic: "job", id: "after" });
        expect(b.got).toContainEqual({ topic: "job", id: "after" });
      },
      { timeout: 10_000, interval: 200 },
    );
  });
});
