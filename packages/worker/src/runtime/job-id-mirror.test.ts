import { describe, expect, it } from "vitest";
import {
  createMirrorBuffer,
  encodeJobIds,
  MIRROR_CAPACITY,
  readJobIds,
  writeJobIds,
} from "./job-id-mirror.js";

describe("job id mirror shared with the heartbeat thread", () => {
  it("round-trips the comma-joined list and the empty list", () => {
    const buffer = createMirrorBuffer();
    expect(readJobIds(buffer)).toBe("");
    writeJobIds(buffer, ["C1", "C2", "ü3"]);
    expect(readJobIds(buffer)).toBe("C1,C2,ü3");
    writeJobIds(buffer, ["C2"]);
    expect(readJobIds(buffer)).toBe("C2");
    writeJobIds(buffer, []);
    expect(readJobIds(buffer)).toBe("");
  });

  it("cuts an over-long list at a comma", () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `job-${String(i).padStart(6, "0")}`);
    const bytes = encodeJobIds(ids);
    expect(bytes.length).toBeLessThanOrEqual(MIRROR_CAPACITY);
    const text = new TextDecoder().decode(bytes);
    expect(text.endsWith(",")).toBe(false);
    expect(text.split(",").every((id) => /^job-\d{6}$/.test(id))).toBe(true);
  });
});
