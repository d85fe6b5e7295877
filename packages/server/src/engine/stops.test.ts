import { afterEach, expect, it } from "vitest";
import { createEngineForTests, type Harness } from "../testing/test-harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function running(worker: string): Promise<string> {
  const r = await h.engine.submit({ endpointId: "ep", input: 1, sync: false });
  if (!r.ok) throw new Error(r.error);
  await h.engine.take("ep", worker, 1, 0);
  return r.value.id;
}

it("stop ids put back are delivered again by the next job-stop poll, once", async () => {
  h = await createEngineForTests();
  const a = await running("w1");
  const b = await running("w1");
  await h.engine.cancel("ep", a);
  const first = await h.engine.waitStops("ep", "w1", 0);
  expect(first).toEqual([a]);
  // The client of that poll went away before reading the answer.
  await h.engine.putBackStops("ep", "w1", first);
  await h.engine.cancel("ep", b);
  expect((await h.engine.waitStops("ep", "w1", 0)).sort()).toEqual([a, b].sort());
  expect(await h.engine.waitStops("ep", "w1", 0)).toEqual([]);
});

it("a put-back wakes a job-stop poll already waiting", async () => {
  h = await createEngineForTests();
  const pending = h.engine.waitStops("ep", "w1", 60_000);
  await h.engine.putBackStops("ep", "w1", ["j1"]);
  expect(await pending).toEqual(["j1"]);
});

it("ignores put-backs for unknown endpoints", async () => {
  h = await createEngineForTests();
  await h.engine.putBackStops("nope", "w1", ["j1"]);
  expect(await h.engine.waitStops("ep", "w1", 0)).toEqual([]);
});
