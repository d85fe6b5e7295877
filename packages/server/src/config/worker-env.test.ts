import { expect, test } from "vitest";
import { workerEnv } from "./worker-env.js";

test("templates carry a query string and the placeholders the Python SDK substitutes", () => {
  const env = workerEnv({
    publicUrl: "http://10.0.0.5:8080/",
    endpointId: "ep1",
    workerId: "w-1",
    workerSecret: "s3cret",
    pingIntervalMs: 500,
  });
  expect(env).toEqual({
    RUNPOD_WEBHOOK_GET_JOB: "http://10.0.0.5:8080/v2/ep1/job-take/$ID?gpu=none",
    RUNPOD_WEBHOOK_POST_OUTPUT: "http://10.0.0.5:8080/v2/ep1/job-done/$RUNPOD_POD_ID/$ID?gpu=none",
    RUNPOD_WEBHOOK_POST_STREAM: "http://10.0.0.5:8080/v2/ep1/job-stream/$RUNPOD_POD_ID/$ID?gpu=none",
    RUNPOD_WEBHOOK_PING: "http://10.0.0.5:8080/v2/ep1/ping/$RUNPOD_POD_ID?gpu=none",
    RUNPOD_POD_ID: "w-1",
    RUNPOD_POD_HOSTNAME: "w-1",
    RUNPOD_AI_API_KEY: "s3cret",
    // Below 1000 the Python ping process dies; clamp.
    RUNPOD_PING_INTERVAL: "1000",
    RUNPOD_ENDPOINT_ID: "ep1",
    RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: "true",
    RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS: "true",
  });
  expect(
    workerEnv({ publicUrl: "http://h", endpointId: "e", workerId: "w", workerSecret: "s" })
      .RUNPOD_PING_INTERVAL,
  ).toBe("10000");
});

test("rejects ids and URLs that would produce broken templates", () => {
  const base = { publicUrl: "http://h", endpointId: "e", workerId: "w", workerSecret: "s" };
  expect(() => workerEnv({ ...base, workerId: "$RUNPOD_POD_ID" })).toThrow(/workerId/);
  expect(() => workerEnv({ ...base, endpointId: "a/b" })).toThrow(/endpointId/);
  expect(() => workerEnv({ ...base, publicUrl: "localhost:8080" })).toThrow(/publicUrl/);
});
