import { describe, expect, it } from "vitest";
import { composeWorkerEnv } from "./process-env.js";

describe("composeWorkerEnv", () => {
  const protocol = {
    RUNPOD_WEBHOOK_GET_JOB: "http://h/v2/ep/job-take/$ID?gpu=none",
    RUNPOD_POD_ID: "ep-1",
    RUNPOD_AI_API_KEY: "secret",
    RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: "true",
  };

  it("inherits the environment without the platform's own secrets and settings", () => {
    const env = composeWorkerEnv(
      { PATH: "/bin", HOME: "/home/x", GANTRY_API_KEYS: "k", RUNPOD_AI_API_KEY: "leak", UNSET: undefined },
      protocol,
    );
    expect(env.PATH).toBe("/bin");
    expect(env.HOME).toBe("/home/x");
    expect(env.GANTRY_API_KEYS).toBeUndefined();
    expect(env.RUNPOD_AI_API_KEY).toBe("secret");
    expect("UNSET" in env).toBe(false);
  });

  it("lets the endpoint set its own variables and defaults, never the protocol's identity", () => {
    const env = composeWorkerEnv({}, protocol, {
      MODEL: "tiny",
      RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: "false",
      RUNPOD_POD_ID: "spoof",
      RUNPOD_WEBHOOK_GET_JOB: "http://elsewhere",
    });
    expect(env.MODEL).toBe("tiny");
    expect(env.RUNPOD_SKIP_AUTO_SYSTEM_CHECKS).toBe("false");
    expect(env.RUNPOD_POD_ID).toBe("ep-1");
    expect(env.RUNPOD_WEBHOOK_GET_JOB).toBe(protocol.RUNPOD_WEBHOOK_GET_JOB);
  });
});
