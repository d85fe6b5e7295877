/**
 * The behavioural contract of `JobStore` and `WebhookOutbox` as a vitest suite. Every adapter runs it:
 *   describeStoreConformance("sqlite file", () => openSqliteStore({ path }))
 * Each test opens a fresh store and closes it afterwards. Test support: excluded from the package build.
 *
 * `options.peer` opens another store over the same data as the store of the running test (another pool, another
 * connection — what a second Gantry node would hold); the race cases then pit them against each other.
 * Without it they race concurrent callers of the one store.
 */
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { JobRecord } from "../domain/job.js";
import type { JobStore, NewJob, Store, WebhookOutbox } from "../store/store.js";

const T0 = 1_700_000_000_000;
const LEASE = 30_000;

export interface ConformanceOptions {
  /** Another store over the data of the store most recently returned by `open`. */
  peer?: () => Promise<Store>;
}

export function describeStoreConformance(
  name: string,
  open: () => Promise<Store>,
  options: ConformanceOptions = {},
): void {
  describe(`JobStore conformance: ${name}`, () => {
    let db: Store;
    let store: JobStore;
    let outbox: WebhookOutbox;
    let peers: Store[] = [];
    beforeEach(async () => {
      db = await open();
      store = db.jobs;
      outbox = db.webhooks;
    });
    afterEach(async () => {
      await Promise.all(peers.map((p) => p.close()));
      peers = [];
      await db.close();
    });
    /** A second "node" on the same data (or the same store when the adapter offers no peer). */
    const peer = async (): Promise<Store> => {
      if (!options.peer) return db;
      const p = await options.peer();
      peers.push(p);
      return p;
    };

    const job = (over: Partial<NewJob> = {}): NewJob => ({
      id: `job-${randomUUID()}`,
      endpointId: "ep",
      sync: false,
      input: { n: 1 },
      policy: { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: false },
      createdAt: T0,
      retentionMs: 1_800_000,
      ...over,
    });
    const add = async (over: Partial<NewJob> = {}): Promise<JobRecord> => (await store.insert(job(over))).job;
    /** Inserts a job and hands it to `worker`. */
    const running = async (worker = "w1", over: Partial<NewJob> = {}): Promise<JobRecord> => {
      const j = await add(over);
      const [t] = await store.take({
        endpointId: j.endpointId,
        workerId: worker,
        max: 1,
        now: T0 + 100,
        leaseUntil: T0 + 100 + LEASE,
      });
      expect(t?.id).toBe(j.id);
      return t as JobRecord;
    };
    const complete = (id: string, worker = "w1", output: unknown = "done", now = T0 + 500) =>
      store.finish({
        id: id,
        workerId: worker,
        status: "COMPLETED",
        hasOutput: true,
        output,
        generator: false,
        now: now,
      });

    describe("insert and get", () => {
      it("stores a queued job with every field as given", async () => {
        const input = { text: "héllo ✓", nested: [1, null, { a: true }] };
        const j = await add({
          input,
          webhook: "http://127.0.0.1:9/hook",
          s3Config: { bucketName: "b" },
          extra: { webhookV2: "x", batchId: "b1" },
          sync: true,
          policy: { executionTimeout: 5000, ttl: 20_000, lowPriority: true },
        });
        const got = await store.get(j.id);
        expect(got).toEqual(j);
        expect(got).toMatchObject({
          endpointId: "ep",
          status: "IN_QUEUE",
          sync: true,
          input,
          webhook: "http://127.0.0.1:9/hook",
          s3Config: { bucketName: "b" },
          extra: { webhookV2: "x", batchId: "b1" },
          policy: { executionTimeout: 5000, ttl: 20_000, lowPriority: true },
          createdAt: T0,
          expiresAt: T0 + 20_000,
          hasOutput: false,
          retries: 0,
          streamCount: 0,
          streamDrained: 0,
        });
        expect(got?.workerId).toBeUndefined();
        expect(got?.startedAt).toBeUndefined();
        expect(got?.output).toBeUndefined();
      });

      it("returns from insert exactly the record that get reads back, defaults included", async () => {
        const variants: Partial<NewJob>[] = [
          {},
          { input: null, sync: true },
          { input: "text", idempotencyKey: "key-1", extra: {} },
          {
            input: { deep: [{ a: "ü" }, 1.5, false] },
            webhook: "http://127.0.0.1:9/h",
            s3Config: null,
            extra: { policy: { x: 1 } },
            policy: { executionTimeout: 1, ttl: 2, lowPriority: true },
            retentionMs: 0,
            createdAt: T0 + 7,
          },
        ];
        for (const over of variants) {
          const { job: inserted, created } = await store.insert(job(over));
          expect(created).toBe(true);
          const got = await store.get(inserted.id);
          expect(inserted).toEqual(got);
          // toEqual ignores keys set to undefined; the record must not carry any (a JSON view would differ).
          expect(Object.keys(inserted).sort()).toEqual(Object.keys(got ?? {}).sort());
        }
      });

      it("keeps null and scalar inputs", async () => {
        expect((await store.get((await add({ input: null })).id))?.input).toBeNull();
        expect((await store.get((await add({ input: "text" })).id))?.input).toBe("text");
      });

      it("returns undefined for an unknown id", async () => {
        expect(await store.get("nope")).toBeUndefined();
      });

      it("returns the existing job for a repeated idempotency key of the same endpoint", async () => {
        const first = await store.insert(job({ idempotencyKey: "k1" }));
        const again = await store.insert(job({ idempotencyKey: "k1", input: "different" }));
        expect(first.created).toBe(true);
        expect(again.created).toBe(false);
        expect(again.job.id).toBe(first.job.id);
        expect(again.job.input).toEqual({ n: 1 });
        const other = await store.insert(job({ idempotencyKey: "k1", endpointId: "ep2" }));
        expect(other.created).toBe(true);
        expect(other.job.id).not.toBe(first.job.id);
      });
    });

    describe("lookups", () => {
      it("finds a job by its idempotency key, per endpoint, until it is deleted", async () => {
        const j = await add({ idempotencyKey: "k1" });
        expect(await store.findByIdempotencyKey("ep", "k1")).toEqual(j);
        expect(await store.findByIdempotencyKey("ep2", "k1")).toBeUndefined();
        expect(await store.findByIdempotencyKey("ep", "k2")).toBeUndefined();
        await store.purgeQueue("ep");
        expect(await store.findByIdempotencyKey("ep", "k1")).toBeUndefined();
      });

      it("lists an endpoint's jobs newest first, bounded, optionally by status", async () => {
        const a = await add({ createdAt: T0 });
        const b = await add({ createdAt: T0 + 10 });
        const c = await add({ createdAt: T0 + 10 });
        const d = await add({ createdAt: T0 + 20 });
        await add({ endpointId: "ep2", createdAt: T0 + 30 });
        const ids = async (o: { limit: number; status?: JobRecord["status"] }) =>
          (await store.listRecent("ep", o)).map((j) => j.id);
        // Same submission time: the later insert counts as newer.
        expect(await ids({ limit: 50 })).toEqual([d.id, c.id, b.id, a.id]);
        expect(await ids({ limit: 2 })).toEqual([d.id, c.id]);
        const [taken] = await store.take({
          endpointId: "ep",
          workerId: "w1",
          max: 1,
          now: T0 + 100,
          leaseUntil: T0 + 100 + LEASE,
        });
        expect(taken?.id).toBe(a.id);
        expect(await ids({ limit: 50, status: "IN_PROGRESS" })).toEqual([a.id]);
        expect(await ids({ limit: 50, status: "IN_QUEUE" })).toEqual([d.id, c.id, b.id]);
        expect(await ids({ limit: 50, status: "FAILED" })).toEqual([]);
        expect((await store.listRecent("ep", { limit: 50 }))[3]).toMatchObject({
          id: a.id,
          status: "IN_PROGRESS",
          workerId: "w1",
        });
        expect(await store.listRecent("nope", { limit: 50 })).toEqual([]);
      });

      it("clamps the limit to 1…500", async () => {
        for (let i = 0; i < 502; i++) await add({ createdAt: T0 + i });
        expect(await store.listRecent("ep", { limit: 10_000 })).toHaveLength(500);
        expect(await store.listRecent("ep", { limit: 0 })).toHaveLength(1);
        expect(await store.listRecent("ep", { limit: Number.NaN })).toHaveLength(1);
      });
    });

    describe("take", () => {
      it("hands out queued jobs FIFO and marks them IN_PROGRESS with a lease", async () => {
        const a = await add({ createdAt: T0 });
        const b = await add({ createdAt: T0 + 1 });
        const c = await add({ createdAt: T0 + 2 });
        const taken = await store.take({
          endpointId: "ep",
          workerId: "w1",
          max: 2,
          now: T0 + 50,
          leaseUntil: T0 + 50 + LEASE,
        });
        expect(taken.map((j) => j.id)).toEqual([a.id, b.id]);
        for (const t of taken) {
          expect(t).toMatchObject({ status: "IN_PROGRESS", workerId: "w1", startedAt: T0 + 50 });
          expect(t.leaseUntil).toBe(T0 + 50 + LEASE);
        }
        expect((await store.get(c.id))?.status).toBe("IN_QUEUE");
        expect(
          (
            await store.take({
              endpointId: "ep",
              workerId: "w2",
              max: 5,
              now: T0 + 60,
              leaseUntil: T0 + 60 + LEASE,
            })
          ).map((j) => j.id),
        ).toEqual([c.id]);
        expect(
          await store.take({
            endpointId: "ep",
            workerId: "w2",
            max: 5,
            now: T0 + 70,
            leaseUntil: T0 + 70 + LEASE,
          }),
        ).toEqual([]);
      });

      it("serves low-priority jobs only when no normal job waits", async () => {
        const low1 = await add({ policy: { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: true } });
        const normal1 = await add();
        const normal2 = await add();
        const low2 = await add({ policy: { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: true } });
        const order: string[] = [];
        for (let i = 0; i < 4; i++) {
          const [t] = await store.take({
            endpointId: "ep",
            workerId: "w1",
            max: 1,
            now: T0,
            leaseUntil: T0 + LEASE,
          });
          order.push(t?.id ?? "none");
        }
        expect(order).toEqual([normal1.id, normal2.id, low1.id, low2.id]);
      });

      it("only takes jobs of the requested endpoint and never more than max", async () => {
        await add({ endpointId: "other" });
        for (let i = 0; i < 5; i++) await add();
        expect(
          await store.take({ endpointId: "ep", workerId: "w1", max: 0, now: T0, leaseUntil: T0 + LEASE }),
        ).toEqual([]);
        const taken = await store.take({
          endpointId: "ep",
          workerId: "w1",
          max: 3,
          now: T0,
          leaseUntil: T0 + LEASE,
        });
        expect(taken).toHaveLength(3);
        expect(taken.every((j) => j.endpointId === "ep")).toBe(true);
        expect(await store.queuedCount("ep")).toBe(2);
        expect(await store.queuedCount("other")).toBe(1);
      });

      it("never hands out a job whose TTL has passed", async () => {
        const short = await add({ policy: { executionTimeout: 600_000, ttl: 10_000, lowPriority: false } });
        const long = await add();
        const taken = await store.take({
          endpointId: "ep",
          workerId: "w1",
          max: 5,
          now: T0 + 10_000,
          leaseUntil: T0 + 10_000 + LEASE,
        });
        expect(taken.map((j) => j.id)).toEqual([long.id]);
        expect((await store.get(short.id))?.status).toBe("IN_QUEUE");
      });

      it("many concurrent takers: every job goes to exactly one of them", async () => {
        const ids = new Set<string>();
        for (let i = 0; i < 25; i++) ids.add((await add()).id);
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            store.take({ endpointId: "ep", workerId: `w${i}`, max: 3, now: T0, leaseUntil: T0 + LEASE }),
          ),
        );
        const handed = results.flat();
        expect(handed).toHaveLength(25);
        expect(new Set(handed.map((j) => j.id))).toEqual(ids);
        for (const [i, batch] of results.entries()) {
          for (const j of batch) expect((await store.get(j.id))?.workerId).toBe(`w${i}`);
        }
      });
    });

    describe("put back", () => {
      it("returns a taken job to the head of the queue without counting a retry", async () => {
        const a = await add();
        const b = await add();
        await store.take({ endpointId: "ep", workerId: "w1", max: 1, now: T0, leaseUntil: T0 + LEASE });
        expect(await store.putBack("w2", [a.id])).toEqual([]);
        const back = await store.putBack("w1", [a.id, "unknown"]);
        expect(back.map((j) => j.id)).toEqual([a.id]);
        expect(back[0]).toMatchObject({ status: "IN_QUEUE", retries: 0 });
        expect(back[0]?.workerId).toBeUndefined();
        expect(back[0]?.startedAt).toBeUndefined();
        const again = await store.take({
          endpointId: "ep",
          workerId: "w3",
          max: 2,
          now: T0 + 1,
          leaseUntil: T0 + 1 + LEASE,
        });
        expect(again.map((j) => j.id)).toEqual([a.id, b.id]);
        expect((await store.counts("ep")).retried).toBe(0);
      });
    });

    describe("progress", () => {
      it("stores the latest progress of a held job and renews its lease", async () => {
        const j = await running();
        const r = await store.progress({
          id: j.id,
          workerId: "w1",
          output: { p: 1 },
          leaseUntil: T0 + 90_000,
        });
        expect(r).toMatchObject({
          ok: true,
          previous: "IN_PROGRESS",
          job: { status: "IN_PROGRESS", output: { p: 1 } },
        });
        await store.progress({ id: j.id, workerId: "w1", output: { p: 2 } });
        const got = await store.get(j.id);
        expect(got).toMatchObject({ output: { p: 2 }, hasOutput: true, leaseUntil: T0 + 90_000 });
      });

      it("refuses other workers, unknown jobs and queued jobs", async () => {
        const j = await running();
        expect(await store.progress({ id: j.id, workerId: "w2", output: 1 })).toMatchObject({
          ok: false,
          reason: "not-owner",
        });
        expect(await store.progress({ id: "nope", workerId: "w1", output: 1 })).toMatchObject({
          ok: false,
          reason: "not-found",
        });
        const q = await add();
        expect(await store.progress({ id: q.id, workerId: "w1", output: 1 })).toMatchObject({
          ok: false,
          reason: "not-owner",
        });
        expect((await store.get(j.id))?.hasOutput).toBe(false);
      });

      it("is ignored once the job is terminal (a late update never overwrites the result)", async () => {
        const j = await running();
        await complete(j.id, "w1", { result: 42 });
        const r = await store.progress({ id: j.id, workerId: "w1", output: { p: 99 } });
        expect(r).toMatchObject({ ok: false, reason: "already-terminal" });
        expect((await store.get(j.id))?.output).toEqual({ result: 42 });
      });
    });

    describe("finish", () => {
      it("completes a held job with its output, timing and retention", async () => {
        const j = await running();
        const r = await complete(j.id, "w1", [1, 2], T0 + 700);
        expect(r).toMatchObject({ ok: true, previous: "IN_PROGRESS" });
        const got = await store.get(j.id);
        expect(got).toMatchObject({
          status: "COMPLETED",
          output: [1, 2],
          hasOutput: true,
          completedAt: T0 + 700,
          retainUntil: T0 + 700 + 1_800_000,
          workerId: "w1",
        });
        expect(got?.leaseUntil).toBeUndefined();
      });

      it("completes without output when none was sent, and keeps a null output", async () => {
        const a = await running();
        await store.finish({
          id: a.id,
          workerId: "w1",
          status: "COMPLETED",
          hasOutput: false,
          generator: false,
          now: T0 + 1,
        });
        const ga = await store.get(a.id);
        expect(ga).toMatchObject({ status: "COMPLETED", hasOutput: false });
        expect(ga?.output).toBeUndefined();
        const b = await running();
        await complete(b.id, "w1", null);
        expect(await store.get(b.id)).toMatchObject({ hasOutput: true, output: null });
      });

      it("fails with the error as sent and keeps an output sent with it", async () => {
        const j = await running();
        await store.finish({
          id: j.id,
          workerId: "w1",
          status: "FAILED",
          hasOutput: true,
          output: { partial: 1 },
          error: { code: 7 },
          generator: true,
          now: T0 + 1,
        });
        expect(await store.get(j.id)).toMatchObject({
          status: "FAILED",
          error: { code: 7 },
          output: { partial: 1 },
          generator: true,
        });
      });

      it("is idempotent: a repeat is already-terminal and changes nothing", async () => {
        const j = await running();
        await complete(j.id, "w1", "first", T0 + 1);
        const again = await complete(j.id, "w1", "second", T0 + 2);
        expect(again).toMatchObject({ ok: false, reason: "already-terminal", job: { output: "first" } });
        expect(await store.get(j.id)).toMatchObject({ output: "first", completedAt: T0 + 1 });
      });

      it("refuses a worker that does not hold the job", async () => {
        const j = await running("w1");
        expect(await complete(j.id, "w2")).toMatchObject({ ok: false, reason: "not-owner" });
        const q = await add();
        expect(await complete(q.id, "w1")).toMatchObject({ ok: false, reason: "not-owner" });
        expect(await complete("nope", "w1")).toMatchObject({ ok: false, reason: "not-found" });
        expect((await store.get(j.id))?.status).toBe("IN_PROGRESS");
      });
    });

    describe("cancel and execution timeout", () => {
      it("cancels a queued job at once", async () => {
        const q = await add();
        const r = await store.cancel(q.id, T0 + 5);
        expect(r).toMatchObject({
          ok: true,
          previous: "IN_QUEUE",
          job: { status: "CANCELLED", completedAt: T0 + 5 },
        });
        expect(
          await store.take({ endpointId: "ep", workerId: "w1", max: 1, now: T0 + 6, leaseUntil: T0 + LEASE }),
        ).toEqual([]);
      });

      it("cancels a running job, keeps its worker id and drops the progress value", async () => {
        const j = await running("w7");
        await store.progress({ id: j.id, workerId: "w7", output: { p: 1 } });
        const r = await store.cancel(j.id, T0 + 5);
        expect(r).toMatchObject({
          ok: true,
          previous: "IN_PROGRESS",
          job: { status: "CANCELLED", workerId: "w7" },
        });
        const got = await store.get(j.id);
        expect(got?.hasOutput).toBe(false);
        expect(got?.retainUntil).toBe(T0 + 5 + 1_800_000);
        expect(await complete(j.id, "w7")).toMatchObject({ ok: false, reason: "already-terminal" });
      });

      it("leaves terminal jobs alone and reports unknown ones", async () => {
        const j = await running();
        await complete(j.id);
        expect(await store.cancel(j.id, T0 + 9)).toMatchObject({ ok: false, reason: "already-terminal" });
        expect((await store.get(j.id))?.status).toBe("COMPLETED");
        expect(await store.cancel("nope", T0)).toMatchObject({ ok: false, reason: "not-found" });
      });

      it("times out a running job with an error; queued jobs cannot time out", async () => {
        const j = await running();
        const r = await store.timeout(j.id, T0 + 9, "too slow");
        expect(r).toMatchObject({
          ok: true,
          job: { status: "TIMED_OUT", error: "too slow", completedAt: T0 + 9 },
        });
        const q = await add();
        expect(await store.timeout(q.id, T0, "x")).toMatchObject({ ok: false, reason: "not-allowed" });
      });

      it("lists running jobs past their execution deadline", async () => {
        const j = await running("w1", {
          policy: { executionTimeout: 5000, ttl: 86_400_000, lowPriority: false },
        });
        const other = await running("w1");
        expect(await store.executionTimeouts(T0 + 100 + 4999, 10)).toEqual([]);
        const due = await store.executionTimeouts(T0 + 100 + 5000, 10);
        expect(due.map((x) => x.id)).toEqual([j.id]);
        expect(due.map((x) => x.id)).not.toContain(other.id);
      });
    });

    describe("leases", () => {
      it("extends leases only for jobs the worker holds", async () => {
        const a = await running("w1");
        const b = await running("w2");
        const n = await store.extendLeases("w1", [a.id, b.id, "nope"], T0 + 99_999);
        expect(n).toBe(1);
        expect((await store.get(a.id))?.leaseUntil).toBe(T0 + 99_999);
        expect((await store.get(b.id))?.leaseUntil).toBe(T0 + 100 + LEASE);
      });

      it("lists expired leases and requeues such a job with retries + 1", async () => {
        const j = await running("w1");
        expect(await store.expiredLeases(T0 + 100 + LEASE - 1, 10)).toEqual([]);
        const now = T0 + 100 + LEASE;
        expect((await store.expiredLeases(now, 10)).map((x) => x.id)).toEqual([j.id]);
        await store.progress({ id: j.id, workerId: "w1", output: "p" });
        const r = await store.leaseLost({ id: j.id, workerId: "w1", maxRetries: 3, now: now, error: "lost" });
        expect(r).toMatchObject({ ok: true, job: { status: "IN_QUEUE", retries: 1, hasOutput: false } });
        expect((await store.counts("ep")).retried).toBe(1);
        const [again] = await store.take({
          endpointId: "ep",
          workerId: "w2",
          max: 1,
          now: now + 1,
          leaseUntil: now + 1 + LEASE,
        });
        expect(again).toMatchObject({ id: j.id, retries: 1, workerId: "w2" });
      });

      it("does not requeue when the lease was renewed meanwhile or the worker changed", async () => {
        const j = await running("w1");
        const now = T0 + 100 + LEASE;
        await store.extendLeases("w1", [j.id], now + LEASE);
        expect(
          await store.leaseLost({ id: j.id, workerId: "w1", maxRetries: 3, now: now, error: "lost" }),
        ).toMatchObject({ ok: false });
        expect(
          await store.leaseLost({
            id: j.id,
            workerId: "w2",
            maxRetries: 3,
            now: now + 2 * LEASE,
            error: "lost",
          }),
        ).toMatchObject({
          ok: false,
          reason: "not-owner",
        });
        expect((await store.get(j.id))?.status).toBe("IN_PROGRESS");
      });

      it("fails the job with the given error once retries are exhausted", async () => {
        const j = await running("w1");
        let now = T0 + 100 + LEASE;
        await store.leaseLost({ id: j.id, workerId: "w1", maxRetries: 1, now: now, error: "lost" });
        await store.take({ endpointId: "ep", workerId: "w2", max: 1, now: now, leaseUntil: now + LEASE });
        now += LEASE;
        const r = await store.leaseLost({
          id: j.id,
          workerId: "w2",
          maxRetries: 1,
          now: now,
          error: "worker w2 stopped responding",
        });
        expect(r).toMatchObject({
          ok: true,
          job: { status: "FAILED", retries: 1, error: "worker w2 stopped responding", completedAt: now },
        });
        expect((await store.counts("ep")).retried).toBe(1);
      });

      it("lists the running jobs of a worker and the load per worker", async () => {
        const a = await running("w1");
        const b = await running("w1");
        await running("w2");
        await add();
        expect((await store.listByWorker("w1")).map((j) => j.id).sort()).toEqual([a.id, b.id].sort());
        expect(await store.workerLoads("ep")).toEqual(
          new Map([
            ["w1", 2],
            ["w2", 1],
          ]),
        );
        await complete(a.id);
        expect((await store.listByWorker("w1")).map((j) => j.id)).toEqual([b.id]);
      });
    });

    describe("retry and purge", () => {
      it("requeues a FAILED job under the same id at the tail, clearing output, error and stream", async () => {
        const j = await running();
        await store.appendChunk({ id: j.id, workerId: "w1", output: "c1" });
        await store.finish({
          id: j.id,
          workerId: "w1",
          status: "FAILED",
          hasOutput: true,
          output: 1,
          error: "e",
          generator: true,
          now: T0 + 1,
        });
        const later = await add();
        const r = await store.retry(j.id);
        expect(r).toMatchObject({
          ok: true,
          previous: "FAILED",
          job: { id: j.id, status: "IN_QUEUE", streamCount: 0 },
        });
        const got = await store.get(j.id);
        for (const k of [
          "output",
          "error",
          "workerId",
          "startedAt",
          "completedAt",
          "retainUntil",
          "generator",
        ]) {
          expect(got).not.toHaveProperty(k);
        }
        expect(await store.readChunks(j.id, 0)).toEqual([]);
        const taken = await store.take({
          endpointId: "ep",
          workerId: "w2",
          max: 2,
          now: T0 + 2,
          leaseUntil: T0 + LEASE,
        });
        expect(taken.map((x) => x.id)).toEqual([later.id, j.id]);
      });

      it("retries TIMED_OUT jobs, keeps the retry count, refuses other states", async () => {
        const done = await running();
        await complete(done.id);
        const j = await running();
        await store.leaseLost({ id: j.id, workerId: "w1", maxRetries: 5, now: T0 + 100 + LEASE, error: "x" });
        await store.take({
          endpointId: "ep",
          workerId: "w1",
          max: 1,
          now: T0 + 200,
          leaseUntil: T0 + 200 + LEASE,
        });
        await store.timeout(j.id, T0 + 300, "slow");
        expect(await store.retry(j.id)).toMatchObject({ ok: true, job: { retries: 1, status: "IN_QUEUE" } });
        expect(await store.retry(j.id)).toMatchObject({ ok: false, reason: "not-allowed" });
        expect(await store.retry(done.id)).toMatchObject({ ok: false, reason: "not-allowed" });
        expect(await store.retry("nope")).toMatchObject({ ok: false, reason: "not-found" });
      });

      it("purges only the queued jobs of the endpoint", async () => {
        const r = await running();
        const q1 = await add();
        const q2 = await add();
        const other = await add({ endpointId: "ep2" });
        expect((await store.purgeQueue("ep")).sort()).toEqual([q1.id, q2.id].sort());
        expect(await store.get(q1.id)).toBeUndefined();
        expect((await store.get(r.id))?.status).toBe("IN_PROGRESS");
        expect((await store.get(other.id))?.status).toBe("IN_QUEUE");
        expect(await store.purgeQueue("ep")).toEqual([]);
      });
    });

    describe("ttl and retention", () => {
      it("deletes jobs past their TTL in any state, with their chunks", async () => {
        const ttl = { executionTimeout: 600_000, ttl: 10_000, lowPriority: false };
        const r = await running("w1", { policy: ttl });
        const q = await add({ policy: ttl });
        await store.appendChunk({ id: r.id, workerId: "w1", output: "c" });
        const keep = await add();
        expect(await store.expireTtl(T0 + 9_999, 100)).toEqual([]);
        const gone = await store.expireTtl(T0 + 10_000, 100);
        expect(gone.map((j) => [j.id, j.status]).sort()).toEqual(
          [
            [q.id, "IN_QUEUE"],
            [r.id, "IN_PROGRESS"],
          ].sort(),
        );
        expect(gone.find((j) => j.id === r.id)?.workerId).toBe("w1");
        expect(await store.get(q.id)).toBeUndefined();
        expect(await store.get(r.id)).toBeUndefined();
        expect(await store.readChunks(r.id, 0)).toEqual([]);
        expect(await store.get(keep.id)).toBeDefined();
      });

      it("deletes terminal jobs once their retention is over, never live ones", async () => {
        const a = await running("w1", { retentionMs: 60_000 });
        await complete(a.id, "w1", "x", T0 + 1000);
        const live = await running();
        const queued = await add();
        expect(await store.expireRetention(T0 + 60_999, 100)).toEqual([]);
        expect(await store.expireRetention(T0 + 61_000, 100)).toEqual([a.id]);
        expect(await store.get(a.id)).toBeUndefined();
        expect(await store.get(live.id)).toBeDefined();
        expect(await store.get(queued.id)).toBeDefined();
      });
    });

    describe("counts", () => {
      it("counts retained jobs per status for one endpoint", async () => {
        await running();
        const c = await running();
        await complete(c.id);
        const f = await running();
        await store.finish({
          id: f.id,
          workerId: "w1",
          status: "FAILED",
          hasOutput: false,
          error: "e",
          generator: false,
          now: T0,
        });
        await store.cancel((await add()).id, T0);
        const t = await running();
        await store.timeout(t.id, T0, "slow");
        await add();
        await add();
        await add({ endpointId: "ep2" });
        expect(await store.counts("ep")).toEqual({
          inQueue: 2,
          inProgress: 1,
          completed: 1,
          failed: 1,
          cancelled: 1,
          timedOut: 1,
          retried: 0,
        });
        expect(await store.counts("nobody")).toEqual({
          inQueue: 0,
          inProgress: 0,
          completed: 0,
          failed: 0,
          cancelled: 0,
          timedOut: 0,
          retried: 0,
        });
      });
    });

    describe("stream chunks", () => {
      it("appends chunks in order and reads them after a sequence number", async () => {
        const j = await running();
        for (const [i, out] of ["a", { b: 2 }, null].entries()) {
          expect(await store.appendChunk({ id: j.id, workerId: "w1", output: out })).toMatchObject({
            ok: true,
            seq: i + 1,
          });
        }
        expect(await store.readChunks(j.id, 0)).toEqual([
          { seq: 1, output: "a" },
          { seq: 2, output: { b: 2 } },
          { seq: 3, output: null },
        ]);
        expect(await store.readChunks(j.id, 2)).toEqual([{ seq: 3, output: null }]);
        expect(await store.readChunks(j.id, 1, 1)).toEqual([{ seq: 2, output: { b: 2 } }]);
        expect((await store.get(j.id))?.streamCount).toBe(3);
      });

      it("drains each chunk once, and reading for SSE does not move the drain cursor", async () => {
        const j = await running();
        await store.appendChunk({ id: j.id, workerId: "w1", output: 1 });
        await store.appendChunk({ id: j.id, workerId: "w1", output: 2 });
        await store.readChunks(j.id, 0);
        const first = await store.drain(j.id);
        expect(first?.chunks.map((c) => c.output)).toEqual([1, 2]);
        expect(first?.job.streamDrained).toBe(2);
        expect((await store.drain(j.id))?.chunks).toEqual([]);
        await store.appendChunk({ id: j.id, workerId: "w1", output: 3 });
        const [x, y] = await Promise.all([store.drain(j.id), store.drain(j.id)]);
        expect([...(x?.chunks ?? []), ...(y?.chunks ?? [])].map((c) => c.output)).toEqual([3]);
        expect(await store.drain("nope")).toBeUndefined();
      });

      it("refuses chunks from other workers and ignores chunks for terminal jobs", async () => {
        const j = await running("w1");
        expect(await store.appendChunk({ id: j.id, workerId: "w2", output: "x" })).toMatchObject({
          ok: false,
          reason: "not-owner",
        });
        expect(await store.appendChunk({ id: "nope", workerId: "w1", output: "x" })).toMatchObject({
          ok: false,
          reason: "not-found",
        });
        await complete(j.id);
        expect(await store.appendChunk({ id: j.id, workerId: "w1", output: "late" })).toMatchObject({
          ok: false,
          reason: "already-terminal",
        });
        expect(await store.readChunks(j.id, 0)).toEqual([]);
      });

      it("hands out a non-generator job's output once as its only chunk", async () => {
        const j = await running();
        expect((await store.drain(j.id))?.chunks).toEqual([]);
        await complete(j.id, "w1", { answer: 1 });
        expect((await store.drain(j.id))?.chunks).toEqual([{ seq: 1, output: { answer: 1 } }]);
        expect((await store.drain(j.id))?.chunks).toEqual([]);
      });

      it("does not invent a chunk for generators, failed jobs or jobs without output", async () => {
        const g = await running();
        await store.finish({
          id: g.id,
          workerId: "w1",
          status: "COMPLETED",
          hasOutput: true,
          output: [],
          generator: true,
          now: T0,
        });
        expect((await store.drain(g.id))?.chunks).toEqual([]);
        const f = await running();
        await store.finish({
          id: f.id,
          workerId: "w1",
          status: "FAILED",
          hasOutput: true,
          output: 1,
          error: "e",
          generator: false,
          now: T0,
        });
        expect((await store.drain(f.id))?.chunks).toEqual([]);
        const n = await running();
        await store.finish({
          id: n.id,
          workerId: "w1",
          status: "COMPLETED",
          hasOutput: false,
          generator: false,
          now: T0,
        });
        expect((await store.drain(n.id))?.chunks).toEqual([]);
      });
    });

    describe("endpoint guard of worker writes", () => {
      // Ids are global and worker routes are per endpoint: a post naming the wrong endpoint finds no job.
      it("refuses progress, chunks and results for a job of another endpoint as not found, changing nothing", async () => {
        const j = await running("w1", { endpointId: "ep-a" });
        expect(
          await store.progress({
            id: j.id,
            workerId: "w1",
            output: { p: 1 },
            leaseUntil: T0 + 90_000,
            endpointId: "ep-b",
          }),
        ).toMatchObject({
          ok: false,
          reason: "not-found",
        });
        expect(
          await store.appendChunk({
            id: j.id,
            workerId: "w1",
            output: "c",
            leaseUntil: T0 + 90_000,
            endpointId: "ep-b",
          }),
        ).toMatchObject({
          ok: false,
          reason: "not-found",
        });
        const done = { status: "COMPLETED", hasOutput: true, output: 1, generator: false } as const;
        expect(
          await store.finish({ id: j.id, workerId: "w1", ...done, now: T0 + 500, endpointId: "ep-b" }),
        ).toMatchObject({
          ok: false,
          reason: "not-found",
        });
        const got = await store.get(j.id);
        expect(got).toMatchObject({ status: "IN_PROGRESS", hasOutput: false, streamCount: 0 });
        expect(got?.leaseUntil).toBe(j.leaseUntil);
        expect(await store.readChunks(j.id, 0)).toEqual([]);
      });

      it("applies them when the endpoint matches", async () => {
        const j = await running("w1", { endpointId: "ep-a" });
        expect(
          await store.progress({ id: j.id, workerId: "w1", output: { p: 1 }, endpointId: "ep-a" }),
        ).toMatchObject({ ok: true });
        expect(
          await store.appendChunk({ id: j.id, workerId: "w1", output: "c", endpointId: "ep-a" }),
        ).toMatchObject({
          ok: true,
          seq: 1,
        });
        const done = { status: "COMPLETED", hasOutput: true, output: 2, generator: false } as const;
        expect(
          await store.finish({ id: j.id, workerId: "w1", ...done, now: T0 + 500, endpointId: "ep-a" }),
        ).toMatchObject({
          ok: true,
          job: { status: "COMPLETED", output: 2 },
        });
      });

      it("keeps the other refusals for the right endpoint, and says not found before anything else", async () => {
        const j = await running("w1", { endpointId: "ep-a" });
        expect(
          await store.progress({ id: j.id, workerId: "w2", output: 1, endpointId: "ep-a" }),
        ).toMatchObject({
          reason: "not-owner",
        });
        expect(
          await store.progress({ id: "nope", workerId: "w1", output: 1, endpointId: "ep-a" }),
        ).toMatchObject({
          reason: "not-found",
        });
        await complete(j.id);
        expect(await complete(j.id)).toMatchObject({ reason: "already-terminal" });
        const done = { status: "COMPLETED", hasOutput: true, output: 3, generator: false } as const;
        expect(
          await store.finish({ id: j.id, workerId: "w1", ...done, now: T0 + 600, endpointId: "ep-a" }),
        ).toMatchObject({
          reason: "already-terminal",
        });
        // A finished job of another endpoint is not found either: its state is none of that route's business.
        expect(
          await store.finish({ id: j.id, workerId: "w1", ...done, now: T0 + 600, endpointId: "ep-b" }),
        ).toMatchObject({
          reason: "not-found",
        });
        expect(
          await store.appendChunk({ id: j.id, workerId: "w2", output: "x", endpointId: "ep-b" }),
        ).toMatchObject({
          reason: "not-found",
        });
        expect((await store.get(j.id))?.output).toBe("done");
      });
    });

    describe("webhook outbox", () => {
      it("enqueues a delivery with a snapshot when a job with a webhook becomes terminal", async () => {
        const plain = await running();
        await complete(plain.id);
        expect(await outbox.due(T0 + 10_000, 10)).toEqual([]);
        const j = await running("w1", { webhook: "http://127.0.0.1:1/hook" });
        await complete(j.id, "w1", { ok: 1 }, T0 + 600);
        const due = await outbox.due(T0 + 600, 10);
        expect(due).toHaveLength(1);
        expect(due[0]).toMatchObject({
          jobId: j.id,
          endpointId: "ep",
          url: "http://127.0.0.1:1/hook",
          attempts: 0,
          nextAt: T0 + 600,
          state: "pending",
          job: { id: j.id, status: "COMPLETED", output: { ok: 1 }, input: { n: 1 } },
        });
      });

      it("enqueues for every terminal state: failed, cancelled, timed out, lease failure", async () => {
        const hook = { webhook: "http://127.0.0.1:1/h" };
        const a = await running("w1", hook);
        await store.finish({
          id: a.id,
          workerId: "w1",
          status: "FAILED",
          hasOutput: false,
          error: "e",
          generator: false,
          now: T0,
        });
        await store.cancel((await add(hook)).id, T0);
        const t = await running("w1", hook);
        await store.timeout(t.id, T0, "slow");
        const l = await running("w1", hook);
        await store.leaseLost({
          id: l.id,
          workerId: "w1",
          maxRetries: 0,
          now: T0 + 100 + LEASE,
          error: "lost",
        });
        const states = (await outbox.due(T0 + 2 * LEASE, 10)).map((d) => d.job.status).sort();
        expect(states).toEqual(["CANCELLED", "FAILED", "FAILED", "TIMED_OUT"]);
      });

      it("claims an attempt once, retries at the given time, and stops after delivery or giving up", async () => {
        const j = await running("w1", { webhook: "http://127.0.0.1:1/h" });
        await complete(j.id, "w1", 1, T0 + 600);
        const [d] = await outbox.due(T0 + 600, 10);
        const id = d?.id as number;
        const claimed = await outbox.claim(id, T0 + 600, T0 + 20_000);
        expect(claimed).toMatchObject({ attempts: 1, nextAt: T0 + 20_000 });
        expect(await outbox.claim(id, T0 + 600, T0 + 20_000)).toBeUndefined();
        expect(await outbox.due(T0 + 19_999, 10)).toEqual([]);
        await outbox.failed({ id: id, now: T0 + 700, error: "HTTP 500", retryAt: T0 + 10_700 });
        expect((await outbox.due(T0 + 10_700, 10)).map((x) => x.id)).toEqual([id]);
        expect(await outbox.get(id)).toMatchObject({ lastError: "HTTP 500", state: "pending" });
        await outbox.claim(id, T0 + 10_700, T0 + 30_000);
        await outbox.delivered(id, T0 + 10_800);
        expect(await outbox.get(id)).toMatchObject({ state: "delivered", attempts: 2 });
        expect(await outbox.due(T0 + 100_000, 10)).toEqual([]);

        const k = await running("w1", { webhook: "http://127.0.0.1:1/h" });
        await complete(k.id, "w1", 1, T0 + 600);
        const [e] = await outbox.due(T0 + 600, 10);
        await outbox.claim(e?.id as number, T0 + 600, T0 + 1000);
        await outbox.failed({ id: e?.id as number, now: T0 + 650, error: "refused" });
        expect(await outbox.get(e?.id as number)).toMatchObject({
          state: "failed",
          lastError: "refused",
        });
        expect(await outbox.due(T0 + 100_000, 10)).toEqual([]);
      });

      it("keeps a pending delivery when the job itself is deleted", async () => {
        const j = await running("w1", { webhook: "http://127.0.0.1:1/h", retentionMs: 0 });
        await complete(j.id, "w1", 1, T0 + 600);
        await store.expireRetention(T0 + 601, 10);
        expect(await store.get(j.id)).toBeUndefined();
        expect((await outbox.due(T0 + 601, 10)).map((d) => d.jobId)).toEqual([j.id]);
      });
    });

    describe("more contract", () => {
      it("keeps JSON exactly: key order, escapes, unicode, big nesting", async () => {
        const input = { z: 1, a: { y: [3, 2, 1], b: '\u0000nul \\ "q" 😀 \u2028' }, m: -0.5e-7, k: {} };
        const j = await add({ input, extra: { b: 1, a: 2 } });
        const got = await store.get(j.id);
        expect(JSON.stringify(got?.input)).toBe(JSON.stringify(input));
        expect(Object.keys(got?.extra ?? {})).toEqual(["b", "a"]);
      });

      it("tells a live feed the status and raw progress without the rest of the row", async () => {
        const j = await add({ input: { big: "x".repeat(1000) } });
        expect(await store.feedState(j.id)).toEqual({ status: "IN_QUEUE" });
        await store.take({ endpointId: "ep", workerId: "w1", max: 1, now: T0 + 100, leaseUntil: T0 + LEASE });
        expect(await store.feedState(j.id)).toEqual({ status: "IN_PROGRESS" });
        await store.progress({ id: j.id, workerId: "w1", output: { pct: 50 } });
        expect(await store.feedState(j.id)).toEqual({ status: "IN_PROGRESS", progress: '{"pct":50}' });
        await complete(j.id, "w1", 7);
        // The final output is not progress: it belongs to the status snapshot.
        expect(await store.feedState(j.id)).toEqual({ status: "COMPLETED" });
        expect(await store.feedState("nope")).toBeUndefined();
      });

      it("says whether its writes are visible before they resolve", () => {
        expect(store.inlineWrites).toBeTypeOf("boolean");
      });

      it("reports queue stats split by priority, with the oldest normal-priority submission", async () => {
        const stats = (ep: string) => store.queueStats(ep);
        expect(await stats("ep")).toEqual({ inQueue: 0, inQueueLow: 0, inProgress: 0 });
        const low = { executionTimeout: 600_000, ttl: 86_400_000, lowPriority: true };
        await running("w1", { createdAt: T0 - 90 });
        await add({ createdAt: T0 - 50, policy: low });
        await add({ createdAt: T0 + 10 });
        await add({ createdAt: T0 + 20 });
        await add({ endpointId: "ep2", createdAt: T0 - 99 });
        expect(await stats("ep")).toEqual({
          inQueue: 2,
          inQueueLow: 1,
          inProgress: 1,
          oldestQueuedAt: T0 + 10,
        });
      });

      it("takes the oldest wait from the head of the queue: a retried job joins the tail", async () => {
        const old = await running("w1", { createdAt: T0 - 500 });
        await store.finish({
          id: old.id,
          workerId: "w1",
          status: "FAILED",
          hasOutput: false,
          error: "x",
          generator: false,
          now: T0,
        });
        await add({ createdAt: T0 + 10 });
        expect((await store.retry(old.id)).ok).toBe(true);
        expect(await store.queueStats("ep")).toMatchObject({ inQueue: 2, oldestQueuedAt: T0 + 10 });
      });

      it("leaseLost with workerGone requeues before the lease lapses; without it, it refuses", async () => {
        const j = await running("w1");
        const early = T0 + 200;
        expect(
          await store.leaseLost({ id: j.id, workerId: "w1", maxRetries: 3, now: early, error: "gone" }),
        ).toMatchObject({
          ok: false,
          reason: "not-allowed",
        });
        const r = await store.leaseLost({
          id: j.id,
          workerId: "w1",
          maxRetries: 3,
          now: early,
          error: "gone",
          workerGone: true,
        });
        expect(r).toMatchObject({
          ok: true,
          previous: "IN_PROGRESS",
          job: { status: "IN_QUEUE", retries: 1 },
        });
        expect(r.ok && r.job.workerId).toBeUndefined();
        expect((await store.counts("ep")).retried).toBe(1);
      });

      it("sweeps in bounded batches", async () => {
        const ttl = { executionTimeout: 600_000, ttl: 1000, lowPriority: false };
        for (let i = 0; i < 5; i++) await add({ policy: ttl, createdAt: T0 + i });
        const first = await store.expireTtl(T0 + 10_000, 2);
        expect(first.map((j) => j.createdAt)).toEqual([T0, T0 + 1]);
        expect(await store.expireTtl(T0 + 10_000, 10)).toHaveLength(3);
        for (let i = 0; i < 3; i++) {
          const j = await running("w1", { retentionMs: 0 });
          await complete(j.id, "w1", i, T0 + 1000 + i);
        }
        expect(await store.expireRetention(T0 + 5000, 2)).toHaveLength(2);
        expect(await store.expireRetention(T0 + 5000, 2)).toHaveLength(1);
        expect(await store.expireRetention(T0 + 5000, 2)).toEqual([]);
      });

      it("lets a new job reuse an idempotency key once the old job is gone", async () => {
        const a = await running("w1", { idempotencyKey: "k", retentionMs: 0 });
        await complete(a.id, "w1", 1, T0 + 600);
        expect(await store.expireRetention(T0 + 601, 10)).toEqual([a.id]);
        const b = await store.insert(job({ idempotencyKey: "k" }));
        expect(b.created).toBe(true);
        expect(b.job.id).not.toBe(a.id);
      });
    });

    describe("races between nodes", () => {
      const nodes = async (n: number): Promise<Store[]> => {
        const out = [db];
        for (let i = 1; i < n; i++) out.push(await peer());
        return out;
      };

      it("a job inserted through one node is visible, takeable and finishable through another", async () => {
        const [a, b] = (await nodes(2)) as [Store, Store];
        const j = (await a.jobs.insert(job({ webhook: "http://127.0.0.1:1/h" }))).job;
        expect(await b.jobs.get(j.id)).toEqual(j);
        const [t] = await b.jobs.take({
          endpointId: "ep",
          workerId: "w1",
          max: 1,
          now: T0 + 1,
          leaseUntil: T0 + 1 + LEASE,
        });
        expect(t?.id).toBe(j.id);
        expect(await a.jobs.appendChunk({ id: j.id, workerId: "w1", output: "c1" })).toMatchObject({
          ok: true,
          seq: 1,
        });
        expect(
          await b.jobs.finish({
            id: j.id,
            workerId: "w1",
            status: "COMPLETED",
            hasOutput: true,
            output: 2,
            generator: true,
            now: T0 + 2,
          }),
        ).toMatchObject({ ok: true });
        expect(await a.jobs.get(j.id)).toMatchObject({ status: "COMPLETED", output: 2, streamCount: 1 });
        expect((await a.webhooks.due(T0 + 2, 10)).map((d) => d.jobId)).toEqual([j.id]);
      });

      it("many takers on several nodes, one winner per job", async () => {
        const ns = await nodes(3);
        const ids = new Set<string>();
        for (let i = 0; i < 40; i++) ids.add((await add()).id);
        const results = await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            (ns[i % ns.length] as Store).jobs.take({
              endpointId: "ep",
              workerId: `w${i}`,
              max: 2,
              now: T0,
              leaseUntil: T0 + LEASE,
            }),
          ),
        );
        const handed = results.flat().map((j) => j.id);
        expect(handed).toHaveLength(40);
        expect(new Set(handed)).toEqual(ids);
        expect(await store.queuedCount("ep")).toBe(0);
      });

      it("complete, cancel and timeout racing on one job: exactly one wins, one webhook", async () => {
        const ns = await nodes(3);
        for (let round = 0; round < 5; round++) {
          const j = await running("w1", { webhook: "http://127.0.0.1:1/h" });
          const [c, x, t] = await Promise.all([
            (ns[0] as Store).jobs.finish({
              id: j.id,
              workerId: "w1",
              status: "COMPLETED",
              hasOutput: true,
              output: 1,
              generator: false,
              now: T0 + 1,
            }),
            (ns[1 % ns.length] as Store).jobs.cancel(j.id, T0 + 1),
            (ns[2 % ns.length] as Store).jobs.timeout(j.id, T0 + 1, "slow"),
          ]);
          const winners = [c, x, t].filter((r) => r.ok);
          expect(winners).toHaveLength(1);
          for (const r of [c, x, t]) if (!r.ok) expect(r.reason).toBe("already-terminal");
          const final = await store.get(j.id);
          expect(final?.status).toBe(winners[0]?.ok ? winners[0].job.status : "none");
          const hooks = (await outbox.due(T0 + 10, 100)).filter((d) => d.jobId === j.id);
          expect(hooks).toHaveLength(1);
          expect(hooks[0]?.job.status).toBe(final?.status);
        }
      });

      it("two sweepers losing the same lease: one requeue, one retry counted", async () => {
        const ns = await nodes(2);
        const j = await running("w1");
        const now = T0 + 100 + LEASE;
        const rs = await Promise.all(
          ns.flatMap((s) => [
            s.jobs.leaseLost({ id: j.id, workerId: "w1", maxRetries: 3, now: now, error: "lost" }),
            s.jobs.leaseLost({ id: j.id, workerId: "w1", maxRetries: 3, now: now, error: "lost" }),
          ]),
        );
        expect(rs.filter((r) => r.ok)).toHaveLength(1);
        expect(await store.get(j.id)).toMatchObject({ status: "IN_QUEUE", retries: 1 });
        expect((await store.counts("ep")).retried).toBe(1);
      });

      it("the same idempotency key submitted through several nodes at once creates one job", async () => {
        const ns = await nodes(3);
        const rs = await Promise.all(
          Array.from({ length: 9 }, (_, i) =>
            (ns[i % ns.length] as Store).jobs.insert(job({ idempotencyKey: "same" })),
          ),
        );
        expect(rs.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(rs.map((r) => r.job.id)).size).toBe(1);
        expect(await store.queuedCount("ep")).toBe(1);
      });

      it("chunks appended concurrently get distinct, gapless sequence numbers; each is drained once", async () => {
        const ns = await nodes(2);
        const j = await running("w1");
        const appends = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (ns[i % ns.length] as Store).jobs.appendChunk({ id: j.id, workerId: "w1", output: i }),
          ),
        );
        const seqs = appends.map((a) => (a.ok ? a.seq : -1)).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect((await store.get(j.id))?.streamCount).toBe(20);
        const drains = await Promise.all(
          Array.from({ length: 6 }, (_, i) => (ns[i % ns.length] as Store).jobs.drain(j.id, 7)),
        );
        let handed = drains.flatMap((d) => d?.chunks ?? []);
        for (
          let more = await store.drain(j.id);
          more && more.chunks.length > 0;
          more = await store.drain(j.id)
        ) {
          handed = handed.concat(more.chunks);
        }
        expect(handed.map((c) => c.seq).sort((x, y) => x - y)).toEqual(seqs);
      });

      it("sweeps and webhook claims running on several nodes hand each item to one of them", async () => {
        const ns = await nodes(2);
        const ttl = { executionTimeout: 600_000, ttl: 1000, lowPriority: false };
        for (let i = 0; i < 12; i++) await add({ policy: ttl });
        const swept = await Promise.all(
          ns.flatMap((s) => [s.jobs.expireTtl(T0 + 5000, 5), s.jobs.expireTtl(T0 + 5000, 5)]),
        );
        const first = swept.flat().map((j) => j.id);
        const rest = await store.expireTtl(T0 + 5000, 100);
        const all = [...first, ...rest.map((j) => j.id)];
        expect(all).toHaveLength(12);
        expect(new Set(all).size).toBe(12);

        const j = await running("w1", { webhook: "http://127.0.0.1:1/h" });
        await complete(j.id, "w1", 1, T0 + 600);
        const [d] = await outbox.due(T0 + 600, 10);
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (ns[i % ns.length] as Store).webhooks.claim(d?.id as number, T0 + 600, T0 + 9000),
          ),
        );
        expect(claims.filter((c) => c !== undefined)).toHaveLength(1);
        expect(await outbox.get(d?.id as number)).toMatchObject({ attempts: 1, nextAt: T0 + 9000 });
      });
    });
  });
}
