/**
 * The heartbeat thread loads from both places the SDK runs from: the TypeScript sources (here, through tsx) and
 * the built package (`dist`, as an installed `@gantry/worker`; run `npm run build` first).
 */
import { afterEach, describe, expect, it } from "vitest";
import { Logger } from "../logger.js";
import { version } from "../version.js";
import { type Loopback, listenLoopback } from "./__tests__/loopback.js";
import { Heartbeat as SourceHeartbeat } from "./heartbeat.js";

type HeartbeatClass = typeof SourceHeartbeat;

let server: Loopback | undefined;
let heartbeat: SourceHeartbeat | undefined;

afterEach(async () => {
  await heartbeat?.stop();
  heartbeat = undefined;
  await server?.close();
  server = undefined;
});

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function pingsOf(Heartbeat: HeartbeatClass): Promise<void> {
  const urls: string[] = [];
  const headers: string[] = [];
  server = await listenLoopback((request, response) => {
    urls.push(request.url ?? "");
    headers.push(String(request.headers.authorization));
    response.end();
  });
  const lines: string[] = [];
  const logger = new Logger({ write: (line) => lines.push(line), env: {}, level: "DEBUG" });
  const running = new Heartbeat({
    url: `${server.url}/ping/w1?gpu=x`,
    apiKey: "key",
    intervalMs: 50,
    logger,
  });
  heartbeat = running;
  running.update(["J1", "J 2"]);
  await until(() => urls.some((u) => u.includes("job_id=")), "a ping naming the jobs");
  expect(urls.find((u) => u.includes("job_id="))).toBe(
    `/ping/w1?gpu=x&job_id=J1%2CJ+2&runpod_version=${version}`,
  );
  expect(headers[0]).toBe("key");
  running.update([]);
  await until(() => urls.at(-1) === `/ping/w1?gpu=x&runpod_version=${version}`, "a ping without job_id");
  // Idle in a job-take on Gantry after a ping said it holds nothing: pings are left out.
  running.setIdlePolling(true);
  await until(() => running.skipped >= 2, "skipped pings");
  expect(running.pings).toBeGreaterThan(1);
  expect(lines).toEqual([]);
}

describe("heartbeat thread", () => {
  it("runs from the TypeScript sources", async () => {
    await pingsOf(SourceHeartbeat);
  });

  it("runs from the built package", async () => {
    const built = (await import(new URL("../../dist/runtime/heartbeat.js", import.meta.url).href)) as {
      Heartbeat: HeartbeatClass;
    };
    expect(built.Heartbeat).not.toBe(SourceHeartbeat);
    await pingsOf(built.Heartbeat);
  });
});
