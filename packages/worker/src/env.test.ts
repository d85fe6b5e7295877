import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { normalizeConfig } from "./config.js";
import { readWorkerEnv } from "./env.js";
import { selectMode } from "./start.js";
import { version } from "./version.js";

describe("worker environment (docs/protocol.md §1)", () => {
  it("applies the Python defaults", () => {
    const env = readWorkerEnv({});
    expect(env.jobTakeTemplate).toBeUndefined();
    expect(env.jobDoneTemplate).toBe("JOB_DONE_URL");
    expect(env.jobStreamTemplate).toBe("JOB_STREAM_URL");
    expect(env.pingTemplate).toBe("PING_NOT_SET");
    expect(env.pingIntervalMs).toBe(10_000);
    expect(env.workerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.podId).toBeUndefined();
    expect(env.apiKeySet).toBe(false);
    expect(env.hostname).toBe("unknown");
    expect(env.shutdownGraceMs).toBe(30_000);
  });

  it("clamps a ping interval below 1000 ms and ignores garbage, with warnings", () => {
    const warnings: string[] = [];
    expect(readWorkerEnv({ RUNPOD_PING_INTERVAL: "200" }, (m) => warnings.push(m)).pingIntervalMs).toBe(1000);
    expect(readWorkerEnv({ RUNPOD_PING_INTERVAL: "soon" }, (m) => warnings.push(m)).pingIntervalMs).toBe(
      10_000,
    );
    expect(readWorkerEnv({ GANTRY_SHUTDOWN_GRACE_MS: "-1" }, (m) => warnings.push(m)).shutdownGraceMs).toBe(
      30_000,
    );
    expect(warnings).toHaveLength(3);
  });

  it("uses RUNPOD_POD_ID as the worker id", () => {
    expect(readWorkerEnv({ RUNPOD_POD_ID: "pod-1", RUNPOD_AI_API_KEY: "" })).toMatchObject({
      workerId: "pod-1",
      podId: "pod-1",
      apiKeySet: true,
    });
  });
});

describe("start(): config and mode selection (docs/protocol.md §12.1)", () => {
  it("accepts camelCase and snake_case keys", () => {
    const handler = () => 1;
    const modifier = (n: number) => n;
    expect(
      normalizeConfig({
        handler,
        return_aggregate_stream: true,
        refresh_worker: true,
        concurrency_modifier: modifier,
      }),
    ).toEqual({
      handler,
      returnAggregateStream: true,
      refreshWorker: true,
      concurrencyModifier: modifier,
    });
    expect(normalizeConfig({ handler })).toEqual({
      handler,
      returnAggregateStream: false,
      refreshWorker: false,
    });
  });

  it("throws a clear TypeError for a bad config", () => {
    expect(() => normalizeConfig({} as never)).toThrow(/"handler" must be a function/);
    expect(() => normalizeConfig(null as never)).toThrow(TypeError);
    expect(() => normalizeConfig({ handler: () => 1, refreshWorker: "yes" as never })).toThrow(
      /refreshWorker/,
    );
  });

  it("picks the mode in the spec's order", () => {
    const base = { rp_api_port: 8000, rp_api_host: "localhost", rp_api_concurrency: 1 };
    const prod = { RUNPOD_WEBHOOK_GET_JOB: "" };
    expect(selectMode({ ...base, rp_serve_api: true }, prod)).toBe("serve-api");
    expect(selectMode({ ...base, test_input: { input: 1 } }, prod)).toBe("local-test");
    expect(selectMode({ ...base, test_input_error: "bad" }, prod)).toBe("local-test");
    expect(selectMode(base, {})).toBe("local-test");
    expect(selectMode(base, prod)).toBe("production");
  });

  it("reports the package version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(version).toBe(pkg.version);
  });
});
