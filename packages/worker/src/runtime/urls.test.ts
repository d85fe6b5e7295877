import { describe, expect, it } from "vitest";
import { buildProtocolUrls, quotePlus, withQuery } from "./urls.js";

const templates = {
  jobTake: "http://p/v2/ep1/job-take/$ID?gpu=SIM",
  jobDone: "http://p/v2/ep1/job-done/$RUNPOD_POD_ID/$ID?gpu=SIM",
  jobStream: "http://p/v2/ep1/job-stream/$RUNPOD_POD_ID/$ID?gpu=SIM",
  ping: "http://p/v2/ep1/ping/$RUNPOD_POD_ID?gpu=SIM",
  workerId: "wkr123",
};

describe("protocol URLs (docs/protocol.md §2)", () => {
  it("substitutes $ID as the worker id in job-take and appends the take parameters", () => {
    const urls = buildProtocolUrls(templates);
    expect(urls.takeUrl(1, false)).toBe("http://p/v2/ep1/job-take/wkr123?gpu=SIM&job_in_progress=0");
    expect(urls.takeUrl(1, true)).toBe("http://p/v2/ep1/job-take/wkr123?gpu=SIM&job_in_progress=1");
    expect(urls.takeUrl(3, false)).toBe(
      "http://p/v2/ep1/job-take-batch/wkr123?gpu=SIM&batch_size=3&job_in_progress=0",
    );
  });

  it("never substitutes $RUNPOD_POD_ID in job-take", () => {
    const urls = buildProtocolUrls({ ...templates, jobTake: "http://p/job-take/$RUNPOD_POD_ID?x=1" });
    expect(urls.take).toBe("http://p/job-take/$RUNPOD_POD_ID?x=1");
  });

  it("derives job-stop from job-take, or disables it", () => {
    expect(buildProtocolUrls(templates).stop).toBe("http://p/v2/ep1/job-stop/wkr123?gpu=SIM");
    expect(buildProtocolUrls({ ...templates, jobTake: "http://p/take?x=1" }).stop).toBeUndefined();
  });

  it("substitutes the worker id then the job id in done and stream URLs", () => {
    const urls = buildProtocolUrls(templates);
    expect(urls.doneUrl("J1", false)).toBe("http://p/v2/ep1/job-done/wkr123/J1?gpu=SIM&isStream=false");
    expect(urls.doneUrl("J1", true)).toBe("http://p/v2/ep1/job-done/wkr123/J1?gpu=SIM&isStream=true");
    expect(urls.streamUrl("J1")).toBe("http://p/v2/ep1/job-stream/wkr123/J1?gpu=SIM&isStream=false");
    expect(urls.ping).toBe("http://p/v2/ep1/ping/wkr123?gpu=SIM");
  });

  it("derives Gantry's job-done-batch URL from a recommended job-done template only", () => {
    const urls = buildProtocolUrls(templates);
    expect(urls.doneBatchUrl()).toBe("http://p/v2/ep1/job-done-batch/wkr123?gpu=SIM");
    expect(urls.doneBatchUrl(3)).toBe("http://p/v2/ep1/job-done-batch/wkr123?gpu=SIM&take=3");
    expect(
      buildProtocolUrls({ ...templates, jobDone: "http://p/done?job=$ID" }).doneBatchUrl(),
    ).toBeUndefined();
  });

  it("encodes query values like Python's quote_plus", () => {
    expect(quotePlus("Error: model file missing")).toBe("Error%3A+model+file+missing");
    expect(quotePlus("a,b")).toBe("a%2Cb");
    expect(quotePlus("it's (ok)*!")).toBe("it%27s+%28ok%29%2A%21");
    expect(withQuery("http://p/ping?gpu=SIM", [["a", "1"]])).toBe("http://p/ping?gpu=SIM&a=1");
    expect(withQuery("http://p/ping", [["a", "1"]])).toBe("http://p/ping?a=1");
    expect(withQuery("http://p/ping?", [["a", "1"]])).toBe("http://p/ping?a=1");
  });
});
