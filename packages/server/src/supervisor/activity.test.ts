import { describe, expect, it } from "vitest";
import { WorkerActivityTracker } from "./activity.js";

describe("WorkerActivityTracker", () => {
  let now = 1_000;
  const t = new WorkerActivityTracker(() => now);

  it("records the first take, the largest batch and the jobs handed out", () => {
    now = 1_000;
    t.takeRequested("ep", "w1", 1);
    now = 2_000;
    t.takeRequested("ep", "w1", 4);
    t.taken("ep", "w1", [
      { id: "a", input: 1 },
      { id: "b", input: 2 },
    ]);
    const a = t.get("ep", "w1");
    expect(a?.firstTakeAt).toBe(1_000);
    expect(a?.concurrency).toBe(4);
    expect([...(a?.held ?? [])]).toEqual(["a", "b"]);
    expect(t.get("other", "w1")).toBeUndefined();
  });

  it("progress keeps a job held; a result releases it and stopPod is remembered", () => {
    t.done("ep", "w1", "a", { status: "IN_PROGRESS", output: 10 });
    expect(t.get("ep", "w1")?.held.has("a")).toBe(true);
    now = 3_000;
    t.done("ep", "w1", "a", { output: 1, stopPod: true });
    const a = t.get("ep", "w1");
    expect(a?.held.has("a")).toBe(false);
    expect(a?.finishedAny).toBe(true);
    expect(a?.lastJobAt).toBe(3_000);
    expect(a?.stopPod).toBe(true);
  });

  it("pings replace the held set, but keep jobs taken moments ago", () => {
    t.taken("ep", "w2", [{ id: "old", input: 0 }]);
    now = 20_000;
    t.taken("ep", "w2", [{ id: "fresh", input: 0 }]);
    t.pinged("ep", "w2", { jobIds: ["listed"] });
    expect([...(t.get("ep", "w2")?.held ?? [])].sort()).toEqual(["fresh", "listed"]);
  });

  it("an unhealthy ping is kept with its check and reason", () => {
    t.pinged("ep", "w3", { status: "unhealthy", check: "disk", reason: "full" });
    expect(t.get("ep", "w3")?.unhealthy).toEqual({ at: now, check: "disk", reason: "full" });
  });

  it("an open long-poll keeps the worker from looking silent until it ends", () => {
    now = 50_000;
    t.takeRequested("ep", "w4", 1);
    t.pollOpened("ep", "w4");
    now = 500_000;
    expect(t.get("ep", "w4")?.lastSeenAt).toBe(500_000);
    t.pollClosed("ep", "w4");
    now = 600_000;
    expect(t.get("ep", "w4")?.lastSeenAt).toBe(500_000);
    t.forget("ep", "w4");
  });

  it("lists and forgets workers per endpoint", () => {
    expect(t.workerIds("ep").sort()).toEqual(["w1", "w2", "w3"]);
    t.forget("ep", "w3");
    expect(t.get("ep", "w3")).toBeUndefined();
  });
});
