/**
 * Webhooks end to end: a job finished by a real worker is delivered to a local receiver, retried after a 500.
 */
import { createHmac } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Stack, startStack, until } from "./harness.js";

let stack: Stack | undefined;
let receiver: Server | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise((r) => receiver?.close(r));
  }
  receiver = undefined;
});

interface Delivery {
  at: number;
  body: Record<string, unknown>;
  raw: string;
  headers: IncomingMessage["headers"];
  answered: number;
}

describe("e2e: webhooks", () => {
  it("delivers the final status to the receiver, retrying after a 500", async () => {
    const deliveries: Delivery[] = [];
    receiver = createServer(async (req, res) => {
      let text = "";
      for await (const c of req) text += c;
      const answered = deliveries.length === 0 ? 500 : 200;
      deliveries.push({ at: Date.now(), body: JSON.parse(text), raw: text, headers: req.headers, answered });
      res.writeHead(answered, { "content-type": "application/json" }).end("{}");
    });
    receiver.listen(0, "127.0.0.1");
    await once(receiver, "listening");
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=abc`;

    const s = await startStack({
      endpoints: [{ id: "hooks" }],
      config: { webhook: { attempts: 3, delayMs: 500, secret: "hook-secret" } },
    });
    stack = s;
    s.startWorker("hooks");
    const id = await s.submit("hooks", { value: "w" }, { webhook: hook });
    const done = await s.waitDone("hooks", id);
    expect(done.status).toBe("COMPLETED");

    await until(() => deliveries.length >= 2, 20_000, "second webhook attempt");
    // No third attempt after the 200.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(deliveries.map((d) => d.answered)).toEqual([500, 200]);
    const [first, second] = deliveries as [Delivery, Delivery];
    expect(second.at - first.at).toBeGreaterThanOrEqual(400);
    for (const d of deliveries) {
      expect(d.body).toMatchObject({ id, status: "COMPLETED", output: { echo: "w" } });
      const expected = `sha256=${createHmac("sha256", "hook-secret").update(d.raw).digest("hex")}`;
      expect(d.headers["x-gantry-signature"]).toBe(expected);
    }
    expect(first.body).toEqual(second.body);
  });
});
