import type { Server } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Logger } from "../logger.js";
import { type Loopback, listenLoopback } from "./__tests__/loopback.js";
import { ProtocolHttp } from "./http.js";
import { type ReadyResult, ResultBatcher } from "./result-batch.js";

let _server: Server;
let loop: Loopback;
let url: string;
let http: ProtocolHttp;
/** Bodies of the job-done-batch requests the platform received. */
let batches: unknown[];
/** Results the batcher handed to job-done, in order. */
let alone: string[];

beforeEach(async () => {
  batches = [];
  alone = [];
  loop = await listenLoopback(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    batches.push(JSON.parse(body));
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"results":[]}');
  });
  _server = loop.server;
  url = loop.url;
  http = new ProtocolHttp("key");
});

afterEach(async () => {
  await http.close();
  await loop.close();
});

const log = new Logger({ level: "ERROR", write: () => {} }).forJob({ id: "j" });

function batcher(): ResultBatcher {
  return new ResultBatcher({
    http,
    retryDelaysMs: [],
    signal: new AbortController().signal,
    batchUrl: () => `${url}/batch`,
    postOne: async (result, onFirstReply) => {
      alone.push(result.jobId);
      onFirstReply();
    },
    claimTake: () => 0,
    tookJobs: () => {},
  });
}

const result = (jobId: string): ReadyResult => ({
  jobId,
  streamed: false,
  body: { output: jobId },
  take: 0,
  log,
});

describe("ResultBatcher", () => {
  it("results ready in the same turn go in one job-done-batch", async () => {
    const b = batcher();
    await Promise.all([b.submit(result("a")), b.submit(result("b"))]);
    expect(batches).toEqual([
      [
        { id: "a", output: "a" },
        { id: "b", output: "b" },
      ],
    ]);
    expect(alone).toEqual([]);
  });

  it("a result known to be alone goes out at once through job-done, without waiting for the turn to end", async () => {
    const b = batcher();
    const first = b.submit(result("a"), true);
    expect(alone).toEqual(["a"]);
    // One that becomes ready later in the same turn goes on its own too: the first did not wait for it.
    await Promise.all([first, b.submit(result("b"))]);
    expect(alone).toEqual(["a", "b"]);
    expect(batches).toEqual([]);
  });
});
