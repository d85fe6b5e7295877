import { describe, expect, it } from "vitest";
import {
  parseBatchSize,
  parseFlag,
  parseLastEventId,
  parseListLimit,
  parseStatusFilter,
  parseTake,
  parseWait,
  WAIT_INVALID,
} from "./query.js";

describe("parseWait", () => {
  it("absent gives the route's default; 1000…300000 ms, fractions cut to whole ms", () => {
    expect(parseWait(undefined, 90_000)).toEqual({ ok: true, value: 90_000 });
    expect(parseWait("1000", 5)).toEqual({ ok: true, value: 1000 });
    expect(parseWait(" 300000 ", 5)).toEqual({ ok: true, value: 300_000 });
    expect(parseWait("1500.9", 5)).toEqual({ ok: true, value: 1500 });
  });

  it("refuses anything else with RunPod's exact text", () => {
    expect(WAIT_INVALID).toBe("wait is invalid; must be between 1000 and 300000");
    for (const raw of ["", "999", "300001", "-1000", "1e4", "abc", "0x400", "1000ms"])
      expect(parseWait(raw, 5), raw).toEqual({ ok: false, error: WAIT_INVALID });
  });
});

describe("counts", () => {
  it("batch_size: 1…max, default 1", () => {
    expect(parseBatchSize(undefined, 8)).toEqual({ ok: true, value: 1 });
    expect(parseBatchSize("8", 8)).toEqual({ ok: true, value: 8 });
    for (const raw of ["0", "9", "1.5", "x", ""])
      expect(parseBatchSize(raw, 8)).toEqual({
        ok: false,
        error: "batch_size is invalid; must be an integer between 1 and 8",
      });
  });

  it("take: absent is 0 (a plain job-done), else 1…max", () => {
    expect(parseTake(undefined, 4)).toEqual({ ok: true, value: 0 });
    expect(parseTake("4", 4)).toEqual({ ok: true, value: 4 });
    expect(parseTake("0", 4)).toEqual({
      ok: false,
      error: "take is invalid; must be an integer between 1 and 4",
    });
  });

  it("limit of /requests: 1…500, default 50", () => {
    expect(parseListLimit(undefined)).toEqual({ ok: true, value: 50 });
    expect(parseListLimit("500")).toEqual({ ok: true, value: 500 });
    expect(parseListLimit("501")).toEqual({
      ok: false,
      error: "limit is invalid; must be an integer between 1 and 500",
    });
  });

  it("Last-Event-ID: a non-negative integer, absent or empty is 0", () => {
    expect(parseLastEventId(undefined)).toEqual({ ok: true, value: 0 });
    expect(parseLastEventId(" ")).toEqual({ ok: true, value: 0 });
    expect(parseLastEventId("17")).toEqual({ ok: true, value: 17 });
    for (const raw of ["-1", "1.5", "9".repeat(20)])
      expect(parseLastEventId(raw)).toEqual({
        ok: false,
        error: "Last-Event-ID is invalid; must be a non-negative integer",
      });
  });
});

describe("parseStatusFilter and parseFlag", () => {
  it("one status in any case; absent or empty means every status", () => {
    expect(parseStatusFilter(undefined)).toEqual({ ok: true, value: undefined });
    expect(parseStatusFilter("")).toEqual({ ok: true, value: undefined });
    expect(parseStatusFilter(" in_queue ")).toEqual({ ok: true, value: "IN_QUEUE" });
    expect(parseStatusFilter("DONE")).toEqual({
      ok: false,
      error:
        "status is invalid; must be one of IN_QUEUE, IN_PROGRESS, COMPLETED, FAILED, CANCELLED, TIMED_OUT",
    });
  });

  it("flags: true, 1 and yes in any case; anything else is false", () => {
    for (const raw of ["true", "TRUE", "1", " yes "]) expect(parseFlag(raw)).toBe(true);
    for (const raw of [undefined, "", "false", "0", "no", "y"]) expect(parseFlag(raw)).toBe(false);
  });
});
