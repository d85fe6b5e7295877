import { describe, expect, it } from "vitest";
import { normalizeConfig } from "../config.js";
import type { Handler, HandlerContext, Job, JobLogger } from "../types.js";
import { executeJob, executeJobDetailed } from "./execute.js";

const quietLog: JobLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

function context(signal: AbortSignal = new AbortController().signal): HandlerContext {
  return { signal, progress: async () => {}, log: quietLog, workerId: "w" };
}

async function run(handler: Handler, options: { aggregate?: boolean; job?: Job } = {}) {
  const chunks: unknown[] = [];
  const config = normalizeConfig({ handler, returnAggregateStream: options.aggregate ?? false });
  const outcome = await executeJobDetailed(
    options.job ?? { id: "J1", input: { x: 1 } },
    config,
    context(),
    async (c) => {
      chunks.push(c);
    },
  );
  return { ...outcome, chunks };
}

describe("executeJob: the four handler kinds", () => {
  it("passes the job unchanged and the context", async () => {
    const job = { id: "J1", input: { x: 1 }, webhook: "http://h", policy: { ttl: 5 }, custom: "kept" };
    let seen: unknown;
    let ctx: HandlerContext | undefined;
    const { body } = await run(
      (j, c) => {
        seen = j;
        ctx = c;
        return "ok";
      },
      { job },
    );
    expect(seen).toBe(job);
    expect(ctx?.workerId).toBe("w");
    expect(body).toEqual({ output: "ok" });
  });

  it("runs a value-returning handler", async () => {
    expect(await run(() => ({ a: 1 }))).toEqual({ body: { output: { a: 1 } }, streamed: false, chunks: [] });
  });

  it("awaits a Promise-returning handler", async () => {
    const { body, streamed } = await run(async () => ({ error: "nope" }));
    expect(body).toEqual({ error: "nope" });
    expect(streamed).toBe(false);
  });

  it("awaits any thenable", async () => {
    // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is what is being awaited
    const thenable = { then: (resolve: (v: unknown) => void) => resolve(42) };
    expect((await run(() => thenable)).body).toEqual({ output: 42 });
  });

  it("streams a generator, awaiting each chunk in order", async () => {
    const order: string[] = [];
    const config = normalizeConfig({
      handler: function* () {
        order.push("yield 1");
        yield { i: 1 };
        order.push("yield 2");
        yield { i: 2 };
      },
    });
    const body = await executeJob({ id: "J", input: null }, config, context(), async (chunk) => {
      await new Promise((r) => setTimeout(r, 5));
      order.push(`posted ${JSON.stringify(chunk)}`);
    });
    expect(order).toEqual(["yield 1", 'posted {"i":1}', "yield 2", 'posted {"i":2}']);
    expect(body).toEqual({ output: [] });
  });

  it("streams an async generator and aggregates when asked", async () => {
    const result = await run(
      async function* () {
        yield "a";
        yield "b";
      },
      { aggregate: true },
    );
    expect(result).toEqual({ body: { output: ["a", "b"] }, streamed: true, chunks: ["a", "b"] });
  });

  it("streams a generator an async handler resolves to", async () => {
    const result = await run(async () =>
      (function* () {
        yield 1;
      })(),
    );
    expect(result.streamed).toBe(true);
    expect(result.chunks).toEqual([1]);
  });

  it("a zero-yield generator still ends with an isStream final body", async () => {
    const result = await run(function* () {});
    expect(result).toEqual({ body: { output: [] }, streamed: true, chunks: [] });
  });

  it("returns arrays and strings as plain output, never streaming them", async () => {
    expect(await run(() => [1, 2])).toEqual({ body: { output: [1, 2] }, streamed: false, chunks: [] });
    expect(await run(() => "text")).toEqual({ body: { output: "text" }, streamed: false, chunks: [] });
  });
});

describe("executeJob: errors", () => {
  it("turns a sync throw into the JSON-string error_info", async () => {
    const { body } = await run(() => {
      throw new TypeError("bad input");
    });
    expect(typeof body.error).toBe("string");
    const info = JSON.parse(body.error as string);
    expect(info.error_type).toBe("<class 'TypeError'>");
    expect(info.error_message).toBe("bad input");
    expect(info.error_traceback).toContain("TypeError: bad input");
    expect(body.output).toBeUndefined();
  });

  it("turns a rejection into the JSON-string error_info", async () => {
    const { body } = await run(async () => {
      throw new Error("async bad");
    });
    expect(JSON.parse(body.error as string).error_message).toBe("async bad");
  });

  it("ends the stream at an error chunk without posting it, discarding the aggregate", async () => {
    let resumed = false;
    let closed = false;
    const result = await run(
      function* () {
        try {
          yield 1;
          yield { error: "stream broke", more: 1 };
          resumed = true;
          yield 3;
        } finally {
          closed = true;
        }
      },
      { aggregate: true },
    );
    expect(result.chunks).toEqual([1]);
    expect(result.body).toEqual({ error: "stream broke" });
    expect(resumed).toBe(false);
    expect(closed).toBe(true);
  });

  it("a yielded object with a falsy error is a normal chunk", async () => {
    const result = await run(function* () {
      yield { error: "", v: 1 };
    });
    expect(result.chunks).toEqual([{ error: "", v: 1 }]);
  });

  it("turns a generator throw into the plain handler/traceback string", async () => {
    const result = await run(async function* () {
      yield 1;
      throw new Error("mid-stream");
    });
    expect(result.chunks).toEqual([1]);
    expect(result.streamed).toBe(true);
    expect(result.body.error).toMatch(/^handler: mid-stream \ntraceback: Error: mid-stream/);
  });

  it("reports output that cannot become JSON as an error instead of throwing", async () => {
    const { body } = await run(() => ({ big: 10n }));
    expect(JSON.parse(body.error as string).error_message).toMatch(/not JSON-serialisable/);
  });

  it("stops iterating once the signal is aborted", async () => {
    const controller = new AbortController();
    const config = normalizeConfig({
      handler: function* () {
        yield 1;
        yield 2;
        yield 3;
      },
    });
    const chunks: unknown[] = [];
    const body = await executeJob({ id: "J", input: 0 }, config, context(controller.signal), async (c) => {
      chunks.push(c);
      controller.abort();
    });
    expect(chunks).toEqual([1]);
    expect(body.error).toBeTypeOf("string");
  });
});
