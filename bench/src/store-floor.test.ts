import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { measureStoreFloor } from "./store-floor.js";

const floorDirs = () => readdirSync(tmpdir()).filter((f) => f.startsWith("gantry-store-floor-"));

describe("measureStoreFloor", () => {
  it("measures a job's writes in each commit shape and leaves no database behind", async () => {
    const before = new Set(floorDirs());
    const floor = await measureStoreFloor(320, ["serialCycleMs", "batchedJobMs", "syncJobMs"]);
    for (const ms of [floor.serialCycleMs, floor.batchedJobMs, floor.syncJobMs]) {
      expect(Number.isFinite(ms)).toBe(true);
      // A job's durable writes cost something, and far less than a second, on any machine.
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThan(1000);
    }
    expect(floorDirs().filter((d) => !before.has(d))).toEqual([]);
  });

  it("measures only the shapes asked for", async () => {
    expect(Object.keys(await measureStoreFloor(50, ["syncJobMs"]))).toEqual(["syncJobMs"]);
  });
});
