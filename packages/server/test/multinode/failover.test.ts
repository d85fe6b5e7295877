/**
 * Nodes dying: a node SIGKILLed mid-load loses and duplicates nothing, and the once-only work (sweeps, the
 * autoscaler) moves to a surviving node when the leader dies.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { JobView } from "../../src/domain/job.js";
import { dropTestSchemas, requirePostgres, testDatabaseUrl } from "../../src/testing/postgres-test-db.js";
import { E2E_WORKER, TSX_LOADER } from "../e2e/harness.js";
import { type Cluster, type GantryNode, markerLines, startCluster, until } from "./cluster-harness.js";

const prefix = `gantry_test_${randomBytes(4).toString("hex")}`;
let cluster: Cluster | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
  await dropTestSchemas(prefix);
}, 60_000);

async function leaderOf(nodes: GantryNode[]): Promise<GantryNode> {
  return until(() => nodes.find((n) => n.isLeader()), 20_000, "a leader");
}

describe("multi-node: failures", () => {
  it("a node killed mid-load: every job completes exactly once", async () => {
    await requirePostgres(testDatabaseUrl());
    cluster = await startCluster(["n1", "n2", "n3"], {
      schema: `${prefix}_load`,
      endpoints: [{ id: "ep" }],
    });
    const nodes = cluster.nodes;
    const victim = await leaderOf(nodes);
    const survivors = nodes.filter((n) => n !== victim);
    const marker = join(cluster.dir, "runs.log");
    let w = 0;
    for (const n of survivors) {
      cluster.startWorker(n, "ep", `w${++w}`, ["--concurrency", "2"]);
      cluster.startWorker(n, "ep", `w${++w}`);
    }

    const total = 40;
    let victimDead = false;
    /** Submits through `nodes[i % 3]`; a submission the dead node cannot answer is repeated on a survivor
     * with the same idempotency key, as a client would, so it can never become two jobs. */
    const submit = async (i: number): Promise<string> => {
      const key = `load-${i}`;
      const body = { input: { mode: "sleep", ms: 150, value: i, marker } };
      let node = nodes[i % nodes.length] as GantryNode;
      for (let attempt = 0; ; attempt++) {
        if (victimDead && node === victim) node = survivors[i % survivors.length] as GantryNode;
        try {
          const r = await node.call<{ id: string }>("POST", "/v2/ep/run", body, { "idempotency-key": key });
          if (r.status === 200) return r.body.id;
          throw new Error(`run → ${r.status} ${JSON.stringify(r.body)}`);
        } catch (err) {
          if (node !== victim || attempt > 5) throw err;
          node = survivors[i % survivors.length] as GantryNode;
        }
      }
    };

    const ids: Promise<string>[] = [];
    for (let i = 0; i < total; i++) {
      ids.push(submit(i));
      if (i === total / 2) {
        // Mid-load: some jobs queued, some running, some done.
        await until(() => markerLines(marker).length >= 4, 30_000, "jobs running");
        await victim.kill();
        victimDead = true;
      }
    }
    const jobIds = await Promise.all(ids);
    expect(new Set(jobIds).size).toBe(total);

    const results = await Promise.all(
      jobIds.map((id, i) => (survivors[i % survivors.length] as GantryNode).waitDone("ep", id, 90_000)),
    );
    expect(results.filter((r) => r.status !== "COMPLETED")).toEqual([]);
    expect(results.map((r) => (r.output as { value: number }).value)).toEqual(
      Array.from({ length: total }, (_, i) => i),
    );
    // Each handler ran once: one "started" line per job, none for an unknown job.
    const started = markerLines(marker).filter((l) => l.startsWith("started "));
    const perJob = new Map<string, number>();
    for (const l of started) {
      const id = l.split(" ")[1] as string;
      perJob.set(id, (perJob.get(id) ?? 0) + 1);
    }
    expect([...perJob.keys()].sort()).toEqual([...jobIds].sort());
    expect([...perJob.values()].every((n) => n === 1)).toBe(true);
    // A survivor took over the sweeps.
    await until(() => survivors.some((n) => n.isLeader()), 20_000, "a new leader");
  }, 180_000);

  it("the leader dies: sweeps time a job out and the autoscaler starts a worker on a survivor", async () => {
    await requirePostgres(testDatabaseUrl());
    cluster = await startCluster(["n1", "n2"], {
      schema: `${prefix}_leader`,
      endpoints: [
        { id: "slow" },
        {
          id: "auto",
          scaling: { workersMin: 0, workersMax: 1, idleTimeoutS: 60 },
          worker: { command: [process.execPath, "--import", TSX_LOADER, E2E_WORKER] },
        },
      ],
    });
    const leader = await leaderOf(cluster.nodes);
    const survivor = cluster.nodes.find((n) => n !== leader) as GantryNode;
    // Scaled to zero: no job, no worker, on any node.
    expect((await survivor.health("auto")).workers.ready).toBe(0);

    const marker = join(cluster.dir, "timeout.log");
    cluster.startWorker(survivor, "slow", "ws1");
    const id = await survivor.submit(
      "slow",
      { mode: "wait-abort", marker },
      { policy: { executionTimeout: 5_000 } },
    );
    await until(() => markerLines(marker).some((l) => l.startsWith(`started ${id}`)), 30_000, "job started");
    await leader.kill();

    // Only the survivor can time it out now, once it holds the lapsed leader lease.
    const done = await survivor.waitDone("slow", id, 60_000);
    expect(done.status).toBe("TIMED_OUT");
    await until(
      () => markerLines(marker).some((l) => l.startsWith(`aborted ${id}`)),
      30_000,
      "worker told to stop",
    );
    expect(survivor.isLeader()).toBe(true);

    // The autoscaler now runs on the survivor: a job on the scaled-to-zero endpoint starts a worker.
    const r = await survivor.call<JobView>("POST", "/v2/auto/runsync?wait=60000", {
      input: { value: "scaled" },
    });
    expect(r.body).toMatchObject({ status: "COMPLETED", output: { echo: "scaled" } });
  }, 180_000);
});
