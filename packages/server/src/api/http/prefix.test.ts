import { describe, expect, it } from "vitest";
import { addEndpointPrefix } from "./prefix.js";

describe("addEndpointPrefix", () => {
  it("prefixes public routes, keeping the query", () => {
    expect(addEndpointPrefix("/runsync", "dev")).toBe("/v2/dev/runsync");
    expect(addEndpointPrefix("/runsync?wait=5000", "dev")).toBe("/v2/dev/runsync?wait=5000");
    expect(addEndpointPrefix("/status/abc-1", "ep")).toBe("/v2/ep/status/abc-1");
    expect(addEndpointPrefix("//stream/abc/", "dev")).toBe("/v2/dev//stream/abc/");
    expect(addEndpointPrefix("/purge-queue", "dev")).toBe("/v2/dev/purge-queue");
  });

  it("leaves prefixed, operational and unknown paths alone", () => {
    for (const url of [
      "/v2/dev/runsync",
      "/healthz",
      "/metrics",
      "/openapi.json",
      "/",
      "/runs",
      "/job-take/w1",
      "*",
    ]) {
      expect(addEndpointPrefix(url, "dev")).toBe(url);
    }
  });
});
