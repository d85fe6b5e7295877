/**
 * The official npm client, `runpod-sdk@1.1.2`, unmodified, against a real Gantry server with a real worker
 * process: only its `baseUrl` points at Gantry.
 */
import runpodSdk from "runpod-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, type Stack, startStack, until } from "../e2e/harness.js";

let stack: Stack;
type Endpoint = NonNullable<ReturnType<ReturnType<typeof runpodSdk>["endpoint"]>>;
let ep: Endpoint;
let idle: Endpoint;

beforeAll(async () => {
  stack = await startStack({ endpoints: [{ id: "compat" }, { id: "compat-idle" }] });
  stack.startWorker("compat", ["--concurrency", "2"]);
  const sdk = runpodSdk(API_KEY, { baseUrl: `${stack.url}/v2` });
  ep = sdk.endpoint("compat") as Endpoint;
  idle = sdk.endpoint("compat-idle") as Endpoint;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe("runpod-sdk@1.1.2 against Gantry", () => {
  it("runSync returns the completed job", async () => {
    const r = (await ep.runSync({ input: { value: "sync" } }, 60_000)) as Record<string, unknown>;
    expect(r.status).toBe("COMPLETED");
    expect(r.output).toMatchObject({ echo: "sync" });
    expect(String(r.id)).toMatch(/^sync-/);
  });

  it("run then status: IN_QUEUE, then COMPLETED with the SDK's flags", async () => {
    const queued = (await ep.run({ input: { mode: "sleep", ms: 200, value: 3 } })) as Record<string, unknown>;
    expect(queued.status).toBe("IN_QUEUE");
    const id = String(queued.id);
    const done = (await until(
      async () => {
        const s = (await ep.status(id)) as Record<string, unknown>;
        return s.completed ? s : undefined;
      },
      30_000,
      "status completed",
    )) as Record<string, unknown>;
    expect(done).toMatchObject({ id, status: "COMPLETED", started: true, completed: true, succeeded: true });
    expect(done.output).toMatchObject({ value: 3 });
  });

  it("stream yields every chunk of a generator job, in order", async () => {
    const queued = (await ep.run({ input: { mode: "generate", chunks: ["x", "y", "z"], gapMs: 150 } })) as {
      id: string;
    };
    const got: unknown[] = [];
    for await (const item of ep.stream(queued.id)) got.push((item as { output: unknown }).output);
    expect(got).toEqual(["x", "y", "z"]);
  });

  it("cancel stops a running job", async () => {
    const queued = (await ep.run({ input: { mode: "wait-abort" } })) as { id: string };
    await until(
      async () => ((await ep.status(queued.id)) as { status: string }).status === "IN_PROGRESS",
      20_000,
      "job running",
    );
    const r = (await ep.cancel(queued.id)) as Record<string, unknown>;
    expect(r).toMatchObject({ id: queued.id, status: "CANCELLED" });
    const after = (await ep.status(queued.id)) as Record<string, unknown>;
    expect(after).toMatchObject({ status: "CANCELLED", completed: true, succeeded: false });
  });

  it("health reports job and worker counts", async () => {
    const h = (await ep.health()) as { jobs: Record<string, number>; workers: Record<string, number> };
    expect(h.jobs.completed).toBeGreaterThanOrEqual(3);
    expect(h.jobs.cancelled).toBeGreaterThanOrEqual(1);
    expect(Object.keys(h.workers).sort()).toEqual([
      "idle",
      "initializing",
      "ready",
      "running",
      "throttled",
      "unhealthy",
    ]);
  });

  it("purgeQueue removes queued jobs", async () => {
    for (let i = 0; i < 3; i++) await idle.run({ input: { i } });
    const r = (await idle.purgeQueue()) as Record<string, unknown>;
    expect(r).toEqual({ removed: 3, status: "completed" });
    const h = (await idle.health()) as { jobs: { inQueue: number } };
    expect(h.jobs.inQueue).toBe(0);
  });

  it("a wrong key gets the SDK's error shape (401), not a crash", async () => {
    const bad = runpodSdk("wrong-key-123", { baseUrl: `${stack.url}/v2` }).endpoint("compat") as Endpoint;
    const r = await bad.health().catch((e: unknown) => ({ thrown: String(e) }));
    expect(JSON.stringify(r)).toMatch(/401|Unauthorized/);
  });
});
