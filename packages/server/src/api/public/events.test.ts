import { request } from "undici";
import { afterEach, expect, test } from "vitest";
import { API_KEY, type Api, startApi, until } from "../__tests__/fixture.js";

let s: Api;
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

const listening = (id: string) => s.engine.waiters.listening(`job:${id}`);

test("streams status/chunk/progress events with ids, flushes each at once, closes after the terminal status", async () => {
  s = await startApi();
  const id = await s.submit();
  const res = await open(`${s.url}/v2/ep1/stream/${id}`);
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
  const it = frames(res.body);
  // The current state first.
  const queued = (await it.next()).value as Frame;
  expect(queued).toMatchObject({ event: "status", id: "0" });
  expect(JSON.parse(queued.data!)).toEqual({ id, status: "IN_QUEUE" });
  // Live events: each one must arrive before the next is produced (no buffering until the end).
  await s.take("w1");
  const running = (await it.next()).value as Frame;
  expect(running.event).toBe("status");
  expect(JSON.parse(running.data!)).toMatchObject({ id, status: "IN_PROGRESS", workerId: "w1" });
  await s.chunk("w1", id, { token: "a\nb" });
  expect((await it.next()).value).toEqual({
    event: "chunk",
    id: "1",
    data: JSON.stringify({ seq: 1, output: { token: "a\nb" } }),
  });
  await s.done("w1", id, { status: "IN_PROGRESS", output: { progress: 50 } });
  expect((await it.next()).value).toEqual({
    event: "progress",
    id: "1",
    data: JSON.stringify({ output: { progress: 50 } }),
  });
  await s.done("w1", id, { output: "done" });
  const last = (await it.next()).value as Frame;
  expect(last).toMatchObject({ event: "status", id: "1" });
  expect(JSON.parse(last.data!)).toMatchObject({ status: "COMPLETED", output: "done" });
  expect((await it.next()).done).toBe(true);
  await until(() => listening(id) === 0);
  // SSE never moves the draining /stream cursor.
  expect((await s.call(`/v2/ep1/stream/${id}`)).json.stream).toEqual([{ output: { token: "a\nb" } }]);
});

test("Last-Event-ID (header or ?lastEventId=) resumes after that event", async () => {
  s = await startApi();
  const id = await s.submit();
  await s.take();
  for (const c of ["a", "b", "c"]) await s.chunk("w1", id, c);
  await s.done("w1", id, { output: "abc" }, true);
  const ids = async (res: Awaited<ReturnType<typeof open>>) => {
    const out: string[] = [];
    for await (const f of frames(res.body)) if (f.id) out.push(`${f.event}:${f.id}`);
    return out;
  };
  expect(await ids(await open(`${s.url}/v2/ep1/stream/${id}`))).toEqual([
    "chunk:1",
    "chunk:2",
    "chunk:3",
    "status:3",
  ]);
  expect(await ids(await open(`${s.url}/v2/ep1/stream/${id}`, { "last-event-id": "2" }))).toEqual([
    "chunk:3",
    "status:3",
  ]);
  expect(await ids(await open(`${s.url}/v2/ep1/stream/${id}?lastEventId=3`))).toEqual(["status:3"]);
  const bad = await open(`${s.url}/v2/ep1/stream/${id}`, { "last-event-id": "x" });
  expect(bad.statusCode).toBe(400);
  expect(await bad.body.json()).toEqual({
    error: "Last-Event-ID is invalid; must be a non-negative integer",
  });
});

test("heartbeat comments keep an idle stream alive; disconnect unsubscribes", async () => {
  s = await startApi({ limits: { sseHeartbeatMs: 100 } });
  const id = await s.submit();
  const ac = new AbortController();
  const res = await request(`${s.url}/v2/ep1/stream/${id}`, {
    headers: { authorization: `Bearer ${API_KEY}`, accept: "text/event-stream" },
    signal: ac.signal,
  });
  const it = frames(res.body);
  expect((await it.next()).value).toMatchObject({ event: "status" });
  expect((await it.next()).value).toEqual({ comment: "heartbeat" });
  expect(listening(id)).toBe(1);
  ac.abort();
  await it.next().catch(() => undefined);
  await until(() => listening(id) === 0);
});

test("unknown job → 404 JSON, not an event stream", async () => {
  s = await startApi();
  const res = await open(`${s.url}/v2/ep1/stream/ghost`);
  expect(res.statusCode).toBe(404);
  expect(await res.body.json()).toEqual({ error: "job ghost not found" });
});

test("a job deleted by its TTL ends the stream with a final gone event", async () => {
  // Heartbeats far apart: the gone event must come from the deletion itself, not from a heartbeat check.
  s = await startApi({ limits: { sseHeartbeatMs: 600_000 } });
  const id = await s.submit(1, { policy: { ttl: 10_000 } });
  await s.take();
  const res = await open(`${s.url}/v2/ep1/stream/${id}`);
  const it = frames(res.body);
  expect((await it.next()).value).toMatchObject({ event: "status" });
  await s.sweepAt(Date.now() + 60_000);
  // The same sweep finds the lease lapsed first (IN_QUEUE again), then deletes the job.
  let next = (await it.next()).value as Frame;
  while (next.event === "status") next = (await it.next()).value as Frame;
  expect(next).toEqual({
    event: "gone",
    data: JSON.stringify({ id, error: `job ${id} not found` }),
  });
  expect((await it.next()).done).toBe(true);
  await until(() => listening(id) === 0);
  expect((await s.call(`/v2/ep1/status/${id}`)).status).toBe(404);
});

test("a purged job ends its stream with gone too", async () => {
  s = await startApi({ limits: { sseHeartbeatMs: 600_000 } });
  const id = await s.submit();
  const res = await open(`${s.url}/v2/ep1/stream/${id}`);
  const it = frames(res.body);
  expect((await it.next()).value).toMatchObject({ event: "status" });
  await s.call("/v2/ep1/purge-queue", { method: "POST" });
  expect((await it.next()).value).toMatchObject({ event: "gone" });
  expect((await it.next()).done).toBe(true);
});

test("a platform whose feed misses the deletion is caught by the heartbeat check", async () => {
  // Fault injection: a feed that never reports anything after the replay.
  s = await startApi({
    limits: { sseHeartbeatMs: 100 },
    platform: (engine) => {
      const orig = engine.subscribe.bind(engine);
      engine.subscribe = async (ep, id, after, onEvent) => {
        let replaying = true;
        const off = await orig(ep, id, after, (e) => {
          if (replaying) onEvent(e);
        });
        replaying = false;
        return off;
      };
      return engine;
    },
  });
  const id = await s.submit();
  const res = await open(`${s.url}/v2/ep1/stream/${id}`);
  const it = frames(res.body);
  expect((await it.next()).value).toMatchObject({ event: "status" });
  await s.call("/v2/ep1/purge-queue", { method: "POST" });
  for (;;) {
    const next = await it.next();
    expect(next.done).toBe(false);
    if ((next.value as Frame).comment === "heartbeat") continue;
    expect(next.value).toEqual({ event: "gone", data: JSON.stringify({ id, error: `job ${id} not found` }) });
    break;
  }
  expect((await it.next()).done).toBe(true);
});
