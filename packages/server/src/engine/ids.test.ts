import { describe, expect, it } from "vitest";
import { newJobId, uuidV7 } from "./ids.js";

const V7 = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("job ids", () => {
  it("keep the docs/api.md §1.5 shapes around an RFC 9562 version-7 uuid", () => {
    const run = newJobId("g1", false);
    const sync = newJobId("g1", true);
    expect(run).toMatch(/^[0-9a-f-]{36}-g1$/);
    expect(sync).toMatch(/^sync-[0-9a-f-]{36}-g1$/);
    expect(run.slice(0, 36)).toMatch(V7);
    expect(sync.slice(5, 41)).toMatch(V7);
  });

  it("lead with the millisecond timestamp, so later ids sort after earlier ones", () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const m = V7.exec(uuidV7(at));
    expect(m).not.toBeNull();
    expect(Number.parseInt(`${m?.[1]}${m?.[2]}`, 16)).toBe(at);
    const ids = [at - 86_400_000, at - 1, at, at + 1, at + 3_600_000].map((t) => uuidV7(t));
    expect([...ids].sort()).toEqual(ids);
  });

  it("stay unguessable: ids of the same millisecond share only the timestamp and version", () => {
    const at = 1_800_000_000_000;
    const ids = Array.from({ length: 2000 }, () => uuidV7(at));
    expect(new Set(ids).size).toBe(ids.length);
    // The 74 random bits: 3 hex digits after the version, the variant digit's low 2 bits, 15 hex digits.
    const tails = new Set(ids.map((id) => id.slice(15)));
    expect(tails.size).toBe(ids.length);
    // Every random hex position varies across the batch (a counter or a constant would not).
    for (const pos of [15, 16, 17, 20, 21, 22, 24, 30, 35]) {
      expect(new Set(ids.map((id) => id[pos])).size).toBeGreaterThan(8);
    }
    expect(new Set(ids.map((id) => id[19])).size).toBe(4);
  });
});
