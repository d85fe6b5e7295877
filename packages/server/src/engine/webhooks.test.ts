import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite.js";
import { createEngineForTests, type Harness } from "../testing/test-harness.js";
import { SIGNATURE_HEADER, signBody } from "./webhooks.js";

interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on loopback that answers with the next status of `statuses` (then 200). */
async function receiver(statuses: number[]) {
  const hits: Hit[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => parts.push(c));
    req.on("end", () => {
      hits.push({ headers: req.headers, body: Buffer.concat(parts).toString("utf8") });
      res.statusCode = statuses.shift() ?? 200;
      res.end("ok");
      for (const w of waiting.filter((w) => hits.length >= w.n)) w.resolve();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    hits,
    /** Resolves once `n` requests have arrived. */
    received: (n: number) =>
      hits.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ n, resolve })),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("webhooks", () => {
  it("retries a failed delivery after the delay, then delivers the signed status object", async () => {
    const rx = await receiver([500]);
    cleanups.push(rx.close);
    const h: Harness = await createEngineForTests({
      realClock: true,
      options: { webhook: { attempts: 3, delayMs: 50, timeoutMs: 5000, secret: "s3cret" } },
    });
    cleanups.push(h.close);
    h.engine.start();
    const r = await h.engine.submit({
      endpointId: "ep",
      input: { q: "héllo" },
      webhook: rx.url,
      sync: false,
    });
    const id = r.ok ? r.value.id : "";
    await h.engine.take("ep", "w1", 1, 0);
    await h.engine.workerDone("ep", "w1", id, { output: { a: 1 } }, false);
    await rx.received(2);
    await h.engine.webhooks.idle();

    expect(rx.hits).toHaveLength(2);
    const last = rx.hits[1] as Hit;
    expect(last.body).toBe(rx.hits[0]?.body);
    const payload = JSON.parse(last.body);
    expect(payload).toMatchObject({
      id,
      status: "COMPLETED",
      output: { a: 1 },
      input: { q: "héllo" },
      webhook: rx.url,
      workerId: "w1",
    });
    expect(payload.delayTime).toBeTypeOf("number");
    expect(payload.executionTime).toBeTypeOf("number");
    expect(last.headers["content-type"]).toBe("application/json");
    expect(last.headers[SIGNATURE_HEADER]).toBe(signBody("s3cret", last.body));
    expect(last.headers[SIGNATURE_HEADER]).toMatch(/^sha256=[0-9a-f]{64}$/);

    const [row] = await h.store.webhooks.due(Date.now() + 3_600_000, 10);
    expect(row).toBeUndefined();
  });

  it("gives up after the configured number of attempts, and fires for FAILED and CANCELLED jobs", async () => {
    const rx = await receiver([500, 503]);
    cleanups.push(rx.close);
    const h = await createEngineForTests({
      realClock: true,
      options: { webhook: { attempts: 2, delayMs: 20, timeoutMs: 5000 } },
    });
    cleanups.push(h.close);
    const a = await h.engine.submit({ endpointId: "ep", input: 1, webhook: rx.url, sync: false });
    const aid = a.ok ? a.value.id : "";
    await h.engine.take("ep", "w1", 1, 0);
    await h.engine.workerDone("ep", "w1", aid, { error: "bad" }, false);
    await rx.received(2);
    await h.engine.webhooks.idle();
    expect(rx.hits.map((x) => JSON.parse(x.body).status)).toEqual(["FAILED", "FAILED"]);
    expect(rx.hits[0]?.headers[SIGNATURE_HEADER]).toBeUndefined();

    const b = await h.engine.submit({ endpointId: "ep", input: 1, webhook: rx.url, sync: false });
    await h.engine.cancel("ep", b.ok ? b.value.id : "");
    await rx.received(3);
    await h.engine.webhooks.idle();
    expect(rx.hits.map((x) => JSON.parse(x.body).status)).toEqual(["FAILED", "FAILED", "CANCELLED"]);
    const cancelled = JSON.parse(rx.hits[2]?.body ?? "{}");
    expect(cancelled).toMatchObject({ status: "CANCELLED", input: 1, webhook: rx.url });
    expect(cancelled).not.toHaveProperty("error");
  });

  it("a new engine over the same SQLite file delivers what the previous one left pending", async () => {
    const rx = await receiver([]);
    cleanups.push(rx.close);
    // First life: the job finishes, but the process "dies" before any delivery attempt.
    const first = await createEngineForTests({ realClock: true });
    cleanups.push(first.close);
    const r = await first.engine.submit({ endpointId: "ep", input: "x", webhook: rx.url, sync: false });
    const id = r.ok ? r.value.id : "";
    await first.engine.take("ep", "w1", 1, 0);
    await first.store.jobs.finish({
      id,
      workerId: "w1",
      status: "COMPLETED",
      hasOutput: true,
      output: 7,
      generator: false,
      now: Date.now(),
    });
    await first.engine.stop();
    await first.store.close();
    expect(rx.hits).toHaveLength(0);

    // Second life over the same file.
    const second = await createEngineForTests({ realClock: true, dbPath: first.dbPath });
    cleanups.push(second.close);
    second.engine.start();
    await rx.received(1);
    await second.engine.webhooks.idle();
    expect(JSON.parse(rx.hits[0]?.body ?? "{}")).toMatchObject({ id, status: "COMPLETED", output: 7 });
    const reopened = await openSqliteStore({ path: first.dbPath });
    cleanups.push(() => reopened.close());
    expect(await reopened.webhooks.due(Date.now() + 3_600_000, 10)).toEqual([]);
  });
});
