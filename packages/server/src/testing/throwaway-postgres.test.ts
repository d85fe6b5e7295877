import { createServer } from "node:net";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { withoutPassword } from "./test-database-url.js";
import { postgresAnswers, startThrowawayPostgres } from "./throwaway-postgres.js";

/** A loopback port that nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe("throwaway PostgreSQL", () => {
  it("nothing answers on a closed port", async () => {
    expect(await postgresAnswers(`postgres://root@127.0.0.1:${await closedPort()}/test`)).toBe(false);
  });

  it("starts a real server with a `test` database, and stopping it leaves nothing listening", {
    timeout: 120_000,
  }, async () => {
    const server = await startThrowawayPostgres();
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/test$/);
      expect(await postgresAnswers(server.url)).toBe(true);
      const client = new pg.Client({ connectionString: server.url });
      await client.connect();
      try {
        await client.query("CREATE TABLE t (n int)");
        await client.query("INSERT INTO t VALUES (1), (2)");
        const { rows } = await client.query<{ db: string; sum: string }>(
          "SELECT current_database() AS db, sum(n)::text AS sum FROM t",
        );
        expect(rows).toEqual([{ db: "test", sum: "3" }]);
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
    expect(await postgresAnswers(server.url)).toBe(false);
  });

  it("keeps passwords out of messages", () => {
    expect(withoutPassword("postgres://u:secret@h:5/db")).toBe("postgres://u:***@h:5/db");
    expect(withoutPassword("postgres://root@127.0.0.1:5432/test")).toBe(
      "postgres://root@127.0.0.1:5432/test",
    );
  });
});
