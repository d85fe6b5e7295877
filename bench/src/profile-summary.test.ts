import { describe, expect, it } from "vitest";
import { topSelfTime } from "./profile-summary.js";

describe("topSelfTime", () => {
  it("adds up sample time per function and ranks by self time", () => {
    const frame = (functionName: string, url = "file:///x.js") => ({ functionName, url, lineNumber: 0 });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)", "") },
        { id: 2, callFrame: frame("hot") },
        { id: 3, callFrame: frame("cold") },
      ],
      samples: [2, 3, 2, 2],
      timeDeltas: [1000, 1000, 1000, 1000],
    };
    const top = topSelfTime(profile, 5);
    expect(top.map((t) => t.name)).toEqual(["hot", "cold"]);
    expect(top[0]?.ms).toBe(3);
    expect(top[0]?.pct).toBe(75);
  });
});
