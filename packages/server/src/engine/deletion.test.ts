import { afterEach, expect, it, vi } from "vitest";
import { createEngineForTests, type Harness } from "../testing/test-harness.js";
import type { JobEvent } from "./platform.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function submit(extra: Record<string, unknown> = {}): Promise<string> {
  const r = await h.engine.submit({ endpointId: "ep", input: 1, sync: false, ...extra });
  if (!r.ok) throw new Error(r.error);
  return r.value.id;
}

const TTL = 10_000;
/** A sweep late enough that every job submitted with `TTL` is past it. */
const pastTtl = () => h.engine.sweeper.tick(h.now() + TTL + 1);

it("a TTL deletion ends a long waitForTerminal and drainStream at once with undefined (404)", async () => {
  h = await createEngineForTests();
  const id = await submit({ policy: { ttl: TTL } });
  const started = Date.now();
  const terminal = h.engine.waitForTerminal("ep", id, 60_000);
  const drained = h.engine.drainStream("ep", id, 60_000);
  await pastTtl();
  expect(await terminal).toBeUndefined();
  expect(await drained).toBeUndefined();
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(await h.engine.status("ep", id)).toBeUndefined();
});

it("a live feed gets a final gone event when its job is deleted, then nothing more", async () => {
  h = await createEngineForTests();
  const id = await submit({ policy: { ttl: TTL } });
  const events: JobEvent[] = [];
  const off = await h.engine.subscribe("ep", id, 0, (e) => events.push(e));
  expect(events.map((e) => e.type)).toEqual(["status"]);
  await pastTtl();
  // The feed pumps asynchronously after the deletion's notify.
  await vi.waitFor(() => expect(events.at(-1)?.type).toBe("gone"));
  expect(events.at(-1)).toEqual({ id: 0, type: "gone", jobId: id, error: `job ${id} not found` });
  expect(events.filter((e) => e.type === "gone")).toHaveLength(1);
  off?.();
  expect(h.engine.waiters.listening(`job:${id}`)).toBe(0);
});

it("a finished job deleted after retention ends its feed with gone; purge does too", async () => {
  h = await createEngineForTests();
  const queued = await submit();
  const events: JobEvent[] = [];
  await h.engine.subscribe("ep", queued, 0, (e) => events.push(e));
  expect(await h.engine.purgeQueue("ep")).toBe(1);
  await vi.waitFor(() => expect(events.at(-1)?.type).toBe("gone"));
  expect(events.map((e) => e.type)).toEqual(["status", "gone"]);
  expect(h.engine.waiters.listening(`job:${queued}`)).toBe(0);
  // Retention: the job ended (its feed closed with the terminal status); a waiter of it still returns at once.
  const id = await submit();
  await h.engine.take("ep", "w1", 1, 0);
  await h.engine.workerDone("ep", "w1", id, { output: 1 }, false);
  await h.engine.sweeper.tick(h.now() + 31 * 60_000);
  expect(await h.engine.waitForTerminal("ep", id, 60_000)).toBeUndefined();
});
