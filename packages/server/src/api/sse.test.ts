import { request } from "undici";
import { afterEach, expect, test } from "vitest";
import { API_KEY, startStub } from "./__tests__/fixture.js";

type Stub = Awaited<ReturnType<typeof startStub>>;
let s: Stub;
afterEach(async () => {
  await s?.close();
});

interface Frame {
  event?: string;
  id?: string;
  data?: string;
  comment?: string;
}

/** Reads SSE frames from a response body as they arrive. */
async function* frames(body: AsyncIterable<Buffer>): AsyncGenerator<Frame> {
  let buffer = "";
  for await (const chunk of body) {
    buffer += chunk.toString("utf8");
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: Frame = {};
      for (const line of raw.split("\n")) {
        if (line.startsWith(":")) frame.comment = line.slice(1).trim();
        else {
          const i = line.indexOf(":");
          const key = line.slice(0, i) as "event" | "id" | "data";
          const value = line.slice(i + 1).replace(/^ /, "");
          frame[key] = frame[key] === undefined ? value : `${frame[key]}\n${value}`;
        }
      }
      yield frame;
      end = buffer.indexOf("\n\n");
    }
  }
}

function open(url: string, headers: Record<string, string> = {}) {
  return request(url, {
    headers: { authorization: `Bearer ${API_KEY}`, accept: "text/event-stream", ...headers },
  });
}

test("streams chunk/status events with ids, flushes each at once, closes after the terminal status", async () => {
  s = await startStub();
  const id = (await s.call("/v2/ep1/run", { json: { input: 1 } })).json.id;
  s.platform.addChunk(id, "early");
  const res = await open(`${s.url}/v2/ep1/stream/${id}`);
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
  const it = frames(res.body);
  // Replayed event: delivered before anything else happens.
  expect((await it.next()).value).toEqual({
    event: "chunk",
    id: "1",
    data: JSON.stringify({ seq: 1, output: "early" }),
  });
  // Live events: each one must arrive before the next is produced (no buffering until the end).
  s.platform.setStatus(id, "IN_PROGRESS", { workerId: "w1" });
  const progress = (await it.next()).value as Frame;
  expect(progress.event).toBe("status");
  expect(JSON.parse(progress.data!)).toMatchObject({ id, status: "IN_PROGRESS", workerId: "w1" });
  s.platform.addChunk(id, { token: "a\nb" });
  expect((await it.next()).value).toEqual({
    event: "chunk",
    id: "3",
    data: JSON.stringify({ seq: 2, output: { token: "a\nb" } }),
  });
  s.platform.setStatus(id, "COMPLETED", { output: "done" });
  const last = (await it.next()).value as Frame;
  expect(last.id).toBe("4");
  expect(JSON.parse(last.data!)).toMatchObject({ status: "COMPLETED", output: "done" });
  expect((await it.next()).done).toBe(true);
  expect(s.platform.listeners()).toBe(0);
});

test("Last-Event-ID (header or ?lastEventId=) resumes after that event", async () => {
  s = await startStub();
  const id = (await s.call("/v2/ep1/run", { json: { input: 1 } })).json.id;
  s.platform.addChunk(id, "a");
  s.platform.addChunk(id, "b");
  s.platform.addChunk(id, "c");
  s.platform.setStatus(id, "COMPLETED");
  const ids = async (res: Awaited<ReturnType<typeof open>>) => {
    const out: string[] = [];
    for await (const f of frames(res.body)) if (f.id) out.push(f.id);
    return out;
  };
  expect(await ids(await open(`${s.url}/v2/ep1/stream/${id}`, { "last-event-id": "2" }))).toEqual(["3", "4"]);
  expect(await ids(await open(`${s.url}/v2/ep1/stream/${id}?lastEventId=3`))).toEqual(["4"]);
  const bad = await open(`${s.url}/v2/ep1/stream/${id}`, { "last-event-id": "x" });
  expect(bad.statusCode).toBe(400);
  expect(await bad.body.json()).toEqual({
    error: "Last-Event-ID is invalid; must be a non-negative integer",
  });
});

test("heartbeat comments keep an idle stream alive; disconnect unsubscribes", async () => {
  s = await startStub({ limits: { sseHeartbeatMs: 100 } });
  const id = (await s.call("/v2/ep1/run", { json: { input: 1 } })).json.id;
  const ac = new AbortController();
  const res = await request(`${s.url}/v2/ep1/stream/${id}`, {
    headers: { authorization: `Bearer ${API_KEY}`, accept: "text/event-stream" },
    signal: ac.signal,
  });
  const it = frames(res.body);
  expect((await it.next()).value).toEqual({ comment: "heartbeat" });
  expect(s.platform.listeners()).toBe(1);
  ac.abort();
  await it.next().catch(() => undefined);
  while (s.platform.listeners() > 0) await new Promise((r) => setTimeout(r, 20));
  expect(s.platform.listeners()).toBe(0);
});

test("unknown job → 404 JSON, not an event stream", async () => {
  s = await startStub();
  const res = await open(`${s.url}/v2/ep1/stream/ghost`);
  expect(res.statusCode).toBe(404);
  expect(await res.body.json()).toEqual({ error: "job ghost not found" });
});

test("the stream ends when the job disappears (TTL) without a terminal event", async () => {
  s = await startStub({ limits: { sseHeartbeatMs: 100 } });
  const id = (await s.call("/v2/ep1/run", { json: { input: 1 } })).json.id;
  const res = await open(`${s.url}/v2/ep1/stream/${id}`);
  const it = frames(res.body);
  expect((await it.next()).value).toEqual({ comment: "heartbeat" });
  s.platform.jobs.delete(id);
  for (;;) {
    const next = await it.next();
    if (next.done) break;
    expect(next.value).toEqual({ comment: "heartbeat" });
  }
  expect(s.platform.listeners()).toBe(0);
});
