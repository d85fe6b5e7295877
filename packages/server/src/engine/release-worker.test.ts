/**
 * `Engine.releaseWorker` (a worker process is gone: its jobs come back now, not at lease expiry) and the take
 * refusal for a worker that asked to be recycled (`stopPod`). Real SQLite file, real engine.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveEndpoint } from "../domain/endpoint.js";
import { openSqliteStore } from "../store/sqlite.js";
import type { Store } from "../store/store.js";
import { Engine } from "./engine.js";

let dir: string | undefined;
let store: Store | undefined;
let engine: Engine | undefined;
afterEach(async () => {
  await engine?.stop();
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  engine = undefined;
  store = undefined;
  dir = undefined;
});

async function setup(
  opts: { maxRetries?: number; recycleHoldMs?: number; clock?: () => number } = {},
): Promise<Engine> {
  dir = mkdtempSync(join(tmpdir(), "gantry-release-"));
  store = await openSqliteStore({ path: join(dir, "gantry.db") });
  const ep = resolveEndpoint({ id: "ep", maxRetries: opts.maxRetries ?? 3 });
  engine = new Engine({
    store,
    endpoints: new Map([["ep", ep]]),
    ...(opts.clock ? { clock: opts.clock } : {}),
    // A lease far longer than any test: whatever comes back early was released, not swept.
    options: {
      leaseMs: 600_000,
      takeHoldMs: 5_000,
      ...(opts.recycleHoldMs !== undefined ? { recycleHoldMs: opts.recycleHoldMs } : {}),
    },
  });
  return engine;
}

async function submit(e: Engine, input: unknown = {}): Promise<string> {
  const r = await e.submit({ endpointId: "ep", input, sync: false });
  if (!r.ok) throw new Error(r.error);
  return r.value.id;
}

describe("Engine.releaseWorker", () => {
  it("requeues the gone worker's jobs at once with a retry counted, and wakes a waiting taker", async () => {
    const e = await setup();
    const a = await submit(e, { n: 1 });
    const b = await submit(e, { n: 2 });
    expect((await e.take("ep", "dead", 1, 0)).map((j) => j.id)).toEqual([a]);
    expect((await e.take("ep", "alive", 1, 0)).map((j) => j.id)).toEqual([b]);

    const waiting = e.take("ep", "fresh", 1, 5_000);
    const released = await e.releaseWorker("dead", "exited: crashed (signal SIGKILL)");
    expect(released.map((j) => [j.id, j.status, j.retries])).toEqual([[a, "IN_QUEUE", 1]]);
    expect((await waiting).map((j) => j.id)).toEqual([a]);

    expect((await e.status("ep", b))?.status).toBe("IN_PROGRESS");
    expect((await e.health("ep")).jobs.retried).toBe(1);
    expect(e.workers.list("ep", new Map()).map((w) => w.id)).not.toContain("dead");
    // A late post from the dead worker is refused: the job is someone else's now.
    expect(await e.workerDone("ep", "dead", a, { output: 1 }, false)).toMatchObject({ ok: false, code: 404 });
  });

  it("fails the job once its retries are used up, naming the worker and why", async () => {
    const e = await setup({ maxRetries: 1 });
    const id = await submit(e);
    await e.take("ep", "w1", 1, 0);
    await e.releaseWorker("w1", "exited: crashed (code 1)");
    await e.take("ep", "w2", 1, 0);
    const [job] = await e.releaseWorker("w2", "exited: crashed (code 1)");
    expect(job).toMatchObject({ id, status: "FAILED", retries: 1 });
    const view = await e.status("ep", id);
    expect(view?.status).toBe("FAILED");
    expect(String(view?.error)).toBe("worker w2 exited: crashed (code 1); job failed after 1 retry");
  });

  it("is a no-op for a worker without jobs", async () => {
    const e = await setup();
    expect(await e.releaseWorker("nobody", "exited")).toEqual([]);
  });
});

describe("take from a worker being recycled", () => {
  it("answers empty after holding the poll, while another worker gets the job", async () => {
    const e = await setup();
    const first = await submit(e);
    await e.take("ep", "w1", 1, 0);
    await e.workerDone("ep", "w1", first, { output: 1, stopPod: true }, false);
    const next = await submit(e);

    const t0 = Date.now();
    expect(await e.take("ep", "w1", 1, 300)).toEqual([]);
    // It held the poll instead of answering at once (a worker would otherwise spin).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect((await e.status("ep", next))?.status).toBe("IN_QUEUE");
    expect((await e.take("ep", "w2", 1, 0)).map((j) => j.id)).toEqual([next]);
  });

  it("ends the hold at once when the request is aborted or the engine stops", async () => {
    const e = await setup();
    const id = await submit(e);
    await e.take("ep", "w1", 1, 0);
    await e.workerDone("ep", "w1", id, { output: 1, stopPod: true }, false);
    const ac = new AbortController();
    const aborted = e.take("ep", "w1", 1, 5_000, ac.signal);
    ac.abort();
    expect(await aborted).toEqual([]);
    const stopped = e.take("ep", "w1", 1, 5_000);
    await e.stop();
    expect(await stopped).toEqual([]);
  });

  it("gives work again after recycleHoldMs to a worker nobody replaced", async () => {
    let now = 1_000_000;
    const e = await setup({ recycleHoldMs: 60_000, clock: () => now });
    const first = await submit(e);
    await e.take("ep", "w1", 1, 0);
    await e.workerDone("ep", "w1", first, { output: 1, stopPod: true }, false);
    const next = await submit(e);
    now += 59_000;
    expect(await e.take("ep", "w1", 1, 0)).toEqual([]);
    now += 2_000;
    expect((await e.take("ep", "w1", 1, 0)).map((j) => j.id)).toEqual([next]);
    expect(e.workers.shouldRecycle("w1")).toBe(false);
  });
});
