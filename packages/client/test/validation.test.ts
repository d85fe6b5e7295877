/**
 * What the client sends is checked with @gantry/protocol's validators, the server's own rules: a value the
 * server would refuse with a 400 fails in the client with a clear `TypeError`, and no request leaves. A real
 * loopback server counts what arrives.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Endpoint } from "../src/index.js";

const requests: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
let server: Server;
let ep: Endpoint;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", () => {
      requests.push({ url: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: `job-${requests.length}`, status: "COMPLETED", output: 1 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  ep = new Endpoint("ep1", { apiKey: "k", baseUrl: `http://127.0.0.1:${port}/v2`, retry: { retries: 0 } });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** The error `call` fails with, and how many requests reached the server meanwhile. */
async function refusal(call: () => Promise<unknown>): Promise<{ error: unknown; sent: number }> {
  const before = requests.length;
  // `Promise.resolve().then` also catches an argument error thrown before any promise exists.
  const error = await Promise.resolve()
    .then(call)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  return { error, sent: requests.length - before };
}

describe("client-side validation, before any request", () => {
  it("an idempotency key with a space is the client's own TypeError, and the server hears nothing", async () => {
    for (const call of [
      () => ep.run(1, { idempotencyKey: "a b" }),
      () => ep.runSync(1, { idempotencyKey: "a b" }),
    ]) {
      const { error, sent } = await refusal(call);
      expect(sent).toBe(0);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(
        'invalid idempotencyKey "a b": Idempotency-Key is invalid; must be 1 to 200 printable ASCII characters ' +
          "without spaces",
      );
    }
  });

  it("other keys the server refuses: empty, too long, non-ASCII, surrounding spaces", async () => {
    for (const key of ["", "k".repeat(201), "naïve", " k", "k "]) {
      const { error, sent } = await refusal(() => ep.run(1, { idempotencyKey: key }));
      expect(sent, key).toBe(0);
      expect((error as Error).message, key).toMatch(
        /^invalid idempotencyKey .*: Idempotency-Key is invalid;/,
      );
    }
  });

  it("a webhook or a policy the server refuses, with the server's reason", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ webhook: "ftp://x" }, 'invalid webhook "ftp://x": webhook: must be an http(s) URL'],
      [{ webhook: "http://a/b c" }, 'invalid webhook "http://a/b c": webhook: must be an http(s) URL'],
      [{ policy: { ttl: 5 } }, 'invalid policy {"ttl":5}: policy.ttl must be between 10000 and 604800000 ms'],
      [
        { policy: { lowPriority: "yes" } },
        'invalid policy {"lowPriority":"yes"}: policy.lowPriority: must be a boolean',
      ],
      [{ policy: "fast" }, 'invalid policy "fast": policy: must be an object'],
    ];
    for (const [options, message] of cases) {
      const { error, sent } = await refusal(() => ep.run(1, options));
      expect(sent, message).toBe(0);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(message);
    }
  });

  it("a job id of the wrong shape is refused without a request", async () => {
    const { error, sent } = await refusal(() => ep.status("a.b"));
    expect(sent).toBe(0);
    expect((error as Error).message).toBe('job id "a.b" is invalid; must match [A-Za-z0-9_-]+');
    expect(() => ep.job("x".repeat(201))).toThrow(/must be at most 200 characters/);
  });

  it("valid values are sent as given: the key as the header, the policy as the server will read it", async () => {
    const before = requests.length;
    await ep.run(
      { a: 1 },
      {
        idempotencyKey: "order-42",
        webhook: "https://example.com/hook?t=1",
        policy: { ttl: 60_000, lowPriority: true },
      },
    );
    expect(requests.length).toBe(before + 1);
    const r = requests[before];
    expect(r?.url).toBe("/v2/ep1/run");
    expect(r?.headers["idempotency-key"]).toBe("order-42");
    expect(JSON.parse(r?.body ?? "")).toEqual({
      input: { a: 1 },
      webhook: "https://example.com/hook?t=1",
      policy: { ttl: 60_000, lowPriority: true },
    });
  });
});
