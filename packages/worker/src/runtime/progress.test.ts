import { afterEach, describe, expect, it } from "vitest";
import { setActiveProgressSink } from "./active.js";
import { progressBody, progressUpdate } from "./progress.js";

let unregister: (() => void) | undefined;
afterEach(() => unregister?.());

describe("progress updates (docs/protocol.md §8)", () => {
  it("sends the value alone without a message, {progress, message} with one", () => {
    expect(progressBody({ pct: 5 })).toEqual({ status: "IN_PROGRESS", output: { pct: 5 } });
    expect(progressBody(3, "loading")).toEqual({
      status: "IN_PROGRESS",
      output: { progress: 3, message: "loading" },
    });
    expect(Object.keys(progressBody(1, "m"))).toEqual(["status", "output"]);
  });

  it("routes progressUpdate to the active sink", async () => {
    const calls: unknown[][] = [];
    unregister = setActiveProgressSink(async (...args) => {
      calls.push(args);
    });
    await progressUpdate({ id: "J1" }, 50);
    await progressUpdate({ id: "J1" }, 60, "msg");
    expect(calls).toEqual([
      ["J1", 50, undefined],
      ["J1", 60, "msg"],
    ]);
  });

  it("resolves without throwing outside a worker, for a bad job, or when the sink fails", async () => {
    await expect(progressUpdate({ id: "J1" }, 1)).resolves.toBeUndefined();
    await expect(progressUpdate(null as never, 1)).resolves.toBeUndefined();
    unregister = setActiveProgressSink(async () => {
      throw new Error("sink broke");
    });
    await expect(progressUpdate({ id: "J1" }, 1)).resolves.toBeUndefined();
  });

  it("unregisters only its own sink", async () => {
    const first = setActiveProgressSink(async () => {});
    const calls: string[] = [];
    unregister = setActiveProgressSink(async (id) => {
      calls.push(id);
    });
    first();
    await progressUpdate({ id: "still" }, 1);
    expect(calls).toEqual(["still"]);
  });
});
