/**
 * Any node answers any route for any job: three `gantry serve` processes on one PostgreSQL. Jobs are submitted
 * to node A, run by workers attached to node B, and awaited and streamed through node C.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobView } from "../../src/domain/job.js";
import { dropTestSchemas, requirePostgres, testDatabaseUrl } from "../../src/testing/postgres-test-db.js";
import { readSse } from "../e2e/harness.js";
import {
  API_KEY,
  type Cluster,
  type GantryNode,
  markerLines,
  startCluster,
  until,
} from "./cluster-harness.js";

const prefix = `gantry_test_${randomBytes(4).toString("hex")}`;
let cluster: Cluster;
let a: GantryNode;
let b: GantryNode;
let c: GantryNode;

beforeAll(async () => {
  await requirePostgres(testDatabaseUrl());
  cluster = await startCluster(["nodeA", "nodeB", "nodeC"], {
    schema: `${prefix}_routes`,
    endpoints: [{ id: "ep", executionTimeoutMs: 60_000 }],
  });
  [a, b, c] = cluster.nodes as [GantryNode, GantryNode, GantryNode];
  cluster.startWorker(b, "ep", "wb1", ["--concurrency", "2"]);
  cluster.startWorker(b, "ep", "wb2");
  // Both workers are known cluster-wide once any node reports them.
  await until(async () => (await c.health("ep")).workers.ready >= 2, 30_000, "workers on B visible from C");
}, 90_000);

afterAll(async () => {
  await cluster?.close();
  await dropTestSchemas(prefix);
}, 60_000);

describe("multi-node: routes across nodes", () => {
  it("runsync through C waits for a job taken through B", async () => {
    const r = await c.call<JobView>("POST", "/v2/ep/runsync?wait=30000", { input: { value: "sync" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "COMPLETED", output: { echo: "sync" } });
    expect(["wb1", "wb2"]).toContain(r.body.workerId);
  });

  it("submitted to A, run on B, awaited through C (status-sync)", async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => a.submit("ep", { value: i })));
    const done = await Promise.all(ids.map((id) => c.waitDone("ep", id, 60_000)));
    expect(done.map((d) => d.status)).toEqual(Array(6).fill("COMPLETED"));
    expect(done.map((d) => (d.output as { echo: number }).echo)).toEqual([0, 1, 2, 3, 4, 5]);
    const status = await a.call<JobView>("GET", `/v2/ep/status/${ids[0]}`);
    expect(status.body).toMatchObject({ status: "COMPLETED" });
  });

  it("streams chunks posted through B to /stream and to SSE on C", async () => {
    const chunks = ["alpha", "beta", "gamma", "delta"];
    const sseId = await a.submit("ep", { mode: "generate", chunks, gapMs: 300 });
    const { status, events } = await readSse(`${c.url}/v2/ep/stream/${sseId}`, {
      authorization: `Bearer ${API_KEY}`,
    });
    expect(status).toBe(200);
    const sseChunks = events
      .filter((e) => e.event === "chunk")
      .map((e) => (e.data as { output: unknown }).output);
    expect(sseChunks).toEqual(chunks);
    expect(events.at(-1)).toMatchObject({ event: "status", data: { status: "COMPLETED" } });

    const drainId = await a.submit("ep", { mode: "generate", chunks, gapMs: 300 });
    const seen: unknown[] = [];
    await until(
      async () => {
        const r = await c.call<{ status: string; stream: { output: unknown }[] }>(
          "GET",
          `/v2/ep/stream/${drainId}?wait=5000`,
        );
        expect(r.status).toBe(200);
        seen.push(...r.body.stream.map((s) => s.output));
        return r.body.status === "COMPLETED";
      },
      60_000,
      "the draining stream to end",
    );
    expect(seen).toEqual(chunks);
  });

  it("a cancel through A reaches the worker's job-stop poll on B", async () => {
    const marker = join(cluster.dir, "cancel.log");
    const id = await a.submit("ep", { mode: "wait-abort", marker });
    await until(() => markerLines(marker).some((l) => l.startsWith(`started ${id}`)), 30_000, "job started");
    const r = await a.call<JobView>("POST", `/v2/ep/cancel/${id}`);
    expect(r.body.status).toBe("CANCELLED");
    await until(
      () => markerLines(marker).some((l) => l.startsWith(`aborted ${id}`)),
      30_000,
      "worker aborted",
    );
    expect((await c.waitDone("ep", id)).status).toBe("CANCELLED");
  });

  it("delivers each webhook once, whichever node finished the job", async () => {
    const received: { id: string; status: string }[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        received.push(JSON.parse(body) as { id: string; status: string });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
    try {
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const ids = [await a.submit("ep", { value: "h1" }, { webhook: hook })];
      ids.push(await b.submit("ep", { value: "h2" }, { webhook: hook }));
      ids.push(await c.submit("ep", { value: "h3" }, { webhook: hook }));
      await until(() => received.length >= 3, 30_000, "three webhooks");
      expect(received.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(received.every((r) => r.status === "COMPLETED")).toBe(true);
      // One attempt each: no delivery was sent twice, by any node.
      const db = new pg.Client({ connectionString: testDatabaseUrl() });
      await db.connect();
      try {
        const { rows } = await db.query<{ job_id: string; attempts: number; state: string }>(
          `SELECT job_id, attempts, state FROM "${prefix}_routes".webhook_outbox WHERE job_id = ANY($1)`,
          [ids],
        );
        expect(rows).toHaveLength(3);
        expect(rows.every((r) => Number(r.attempts) === 1 && r.state === "delivered")).toBe(true);
      } finally {
        await db.end();
      }
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it("health on any node counts the workers attached to B and the jobs of all nodes", async () => {
    for (const n of [a, b, c]) {
      await until(
        async () => {
          const h = await n.health("ep");
          return h.workers.idle + h.workers.running === 2 && h.jobs.completed >= 9;
        },
        20_000,
        `health on ${n.name}`,
      );
    }
  });
});
