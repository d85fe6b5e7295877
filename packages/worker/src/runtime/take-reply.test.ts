import { describe, expect, it } from "vitest";
import { parseStopReply, parseTakeReply } from "./take-reply.js";

const reply = (status: number, text = "", contentType = "application/json") => ({
  status,
  text,
  contentType,
});

describe("job-take replies (docs/protocol.md §4)", () => {
  it("treats 204, an empty body, [] and non-object JSON as no job", () => {
    expect(parseTakeReply(reply(204))).toEqual({ kind: "empty" });
    expect(parseTakeReply(reply(200, ""))).toEqual({ kind: "empty" });
    expect(parseTakeReply(reply(200, "[]"))).toEqual({ kind: "empty" });
    expect(parseTakeReply(reply(200, "null"))).toEqual({ kind: "empty" });
    expect(parseTakeReply(reply(200, '"text"'))).toEqual({ kind: "empty" });
  });

  it("backs off on 429 and reports other statuses and non-JSON as errors", () => {
    expect(parseTakeReply(reply(429))).toEqual({ kind: "rate-limited" });
    expect(parseTakeReply(reply(500, "x")).kind).toBe("error");
    expect(parseTakeReply(reply(400, "x")).kind).toBe("error");
    expect(parseTakeReply(reply(200, "<html>", "text/html"))).toMatchObject({ kind: "error" });
  });

  it("accepts a single job object with id and input, whatever the input", () => {
    const job = { id: "J1", input: null, webhook: "w" };
    expect(parseTakeReply(reply(200, JSON.stringify(job)))).toEqual({
      kind: "jobs",
      jobs: [job],
      rejected: [],
    });
  });

  it("rejects a single job without id or input", () => {
    const noInput = parseTakeReply(reply(200, '{"id":"J1"}'));
    expect(noInput).toMatchObject({ kind: "jobs", jobs: [] });
    expect(noInput.kind === "jobs" && noInput.rejected[0]).toMatch(
      /^Job has missing field\(s\): id or input\./,
    );
    expect(parseTakeReply(reply(200, '{"input":1}'))).toMatchObject({ kind: "jobs", jobs: [] });
    expect(parseTakeReply(reply(200, '{"id":5,"input":1}'))).toMatchObject({ kind: "jobs", jobs: [] });
  });

  it("keeps the well-formed jobs of a batch and drops the others", () => {
    const outcome = parseTakeReply(
      reply(200, JSON.stringify([{ id: "A", input: 1 }, { input: 2 }, 7, { id: "B" }])),
    );
    expect(outcome.kind).toBe("jobs");
    if (outcome.kind !== "jobs") return;
    expect(outcome.jobs.map((j) => j.id)).toEqual(["A", "B"]);
    expect(outcome.rejected).toHaveLength(2);
  });
});

describe("job-stop replies (docs/protocol.md §5)", () => {
  it("returns the string ids and counts the others", () => {
    expect(parseStopReply(reply(200, '{"jobsToStop":["a",1,"b"]}'))).toEqual({ ids: ["a", "b"], dropped: 1 });
  });

  it("treats anything malformed as nothing to stop", () => {
    expect(parseStopReply(reply(204))).toEqual({ ids: [], dropped: 0 });
    expect(parseStopReply(reply(200, "oops"))).toEqual({ ids: [], dropped: 0 });
    expect(parseStopReply(reply(200, '{"jobsToStop":"a"}'))).toEqual({ ids: [], dropped: 0 });
    expect(parseStopReply(reply(200, '["a"]'))).toEqual({ ids: [], dropped: 0 });
  });
});
