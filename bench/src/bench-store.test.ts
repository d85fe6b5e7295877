import { describe, expect, it } from "vitest";
import {
  benchDatabaseUrl,
  DEFAULT_BENCH_DATABASE_URL,
  dropSchema,
  nextSchema,
  postgresStore,
  requireDatabase,
} from "./bench-store.js";

describe("bench store selection", () => {
  it("takes the flag, else GANTRY_TEST_DATABASE_URL, else the local test database", () => {
    expect(benchDatabaseUrl("postgres://a@h/db", { GANTRY_TEST_DATABASE_URL: "postgres://b@h/db" })).toBe(
      "postgres://a@h/db",
    );
    expect(benchDatabaseUrl(undefined, { GANTRY_TEST_DATABASE_URL: " postgres://b@h/db " })).toBe(
      "postgres://b@h/db",
    );
    expect(benchDatabaseUrl(undefined, { GANTRY_TEST_DATABASE_URL: "" })).toBe(DEFAULT_BENCH_DATABASE_URL);
    expect(() => benchDatabaseUrl(undefined, { GANTRY_TEST_DATABASE_URL: "redis://x" })).toThrow(
      /must be a postgres:\/\/ or postgresql:\/\/ URL/,
    );
  });

  it("names each server's schema after the run's prefix and refuses foreign prefixes", () => {
    const store = postgresStore(DEFAULT_BENCH_DATABASE_URL, "gantry_bench_t1");
    if (store.kind !== "postgres") throw new Error("expected a postgres store");
    const a = nextSchema(store);
    const b = nextSchema(store);
    expect(a).toMatch(/^gantry_bench_t1_\d+$/);
    expect(b).not.toBe(a);
    expect(postgresStore(DEFAULT_BENCH_DATABASE_URL)).toMatchObject({
      schemaPrefix: expect.stringMatching(/^gantry_bench_[0-9a-f]{8}$/),
    });
    expect(() => postgresStore(DEFAULT_BENCH_DATABASE_URL, "public")).toThrow(/schema prefix must match/);
  });

  it("never drops a schema that is not a benchmark's", async () => {
    await expect(dropSchema(DEFAULT_BENCH_DATABASE_URL, "public")).rejects.toThrow(/refusing to drop/);
    await expect(dropSchema(DEFAULT_BENCH_DATABASE_URL, 'gantry_bench_x"; DROP')).rejects.toThrow(
      /refusing to drop/,
    );
  });

  it("says which URL did not answer, without its password", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const store = postgresStore("postgres://bench:s3cret@127.0.0.1:1/x", "gantry_bench_t2");
    const err = await requireDatabase(store).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(
      /PostgreSQL is not reachable at postgres:\/\/bench:\*\*\*@127\.0\.0\.1:1\/x/,
    );
    expect(err?.message).not.toContain("s3cret");
  });
});
