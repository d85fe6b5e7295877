import { afterEach, expect, it } from "vitest";
import { createEngineForTests, type Harness, T0 } from "../testing/test-harness.js";

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function submit(): Promise<string> {
  const r = await h.engine.submit({ endpointId: "ep", input: { secret: "payload" }, sync: false });
  if (!r.ok) throw new Error(r.error);
  h.advance(1000);
  return r.value.id;
}

it("lists the endpoint's jobs newest first as summaries without payloads", async () => {
  h = await createEngineForTests({ endpoints: [{ id: "ep" }, { id: "other" }] });
  const a = await submit();
  const b = await submit();
  const c = await submit();
  await h.engine.take("ep", "w1", 1, 0);
  h.advance(500);
  await h.engine.workerDone("ep", "w1", a, { output: "big" }, false);
  const list = await h.engine.listRecent("ep");
  expect(list).toEqual([
    { id: c, status: "IN_QUEUE", createdAt: T0 + 2000, retries: 0 },
    { id: b, status: "IN_QUEUE", createdAt: T0 + 1000, retries: 0 },
    {
      id: a,
      status: "COMPLETED",
      createdAt: T0,
      delayTime: 3000,
      executionTime: 500,
      workerId: "w1",
      retries: 0,
    },
  ]);
  expect(await h.engine.listRecent("ep", { status: "COMPLETED" })).toHaveLength(1);
  expect((await h.engine.listRecent("ep", { limit: 2 })).map((j) => j.id)).toEqual([c, b]);
  expect(await h.engine.listRecent("other")).toEqual([]);
  expect(await h.engine.listRecent("nope")).toEqual([]);
});

it("defaults to 50 and caps at 500", async () => {
  h = await createEngineForTests();
  for (let i = 0; i < 520; i++) await submit();
  expect(await h.engine.listRecent("ep")).toHaveLength(50);
  expect(await h.engine.listRecent("ep", { limit: 10_000 })).toHaveLength(500);
  expect(await h.engine.listRecent("ep", { limit: 0 })).toHaveLength(1);
});
