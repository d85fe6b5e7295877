import { describe, expect, it } from "vitest";
import { LineSplitter, LogBuffer, MAX_LINE_CHARS } from "./log-buffer.js";

describe("LogBuffer", () => {
  it("keeps only the newest lines, with monotonic seq", () => {
    const b = new LogBuffer(3);
    for (let i = 1; i <= 5; i++) b.push("stdout", `l${i}`, i);
    expect(b.lines().map((l) => [l.seq, l.line])).toEqual([
      [3, "l3"],
      [4, "l4"],
      [5, "l5"],
    ]);
    expect(b.lastSeq).toBe(5);
    expect(b.tail(2)).toEqual(["l4", "l5"]);
  });

  it("resumes after a seq and limits to the newest", () => {
    const b = new LogBuffer(10);
    for (let i = 1; i <= 6; i++) b.push(i % 2 ? "stdout" : "stderr", `l${i}`);
    expect(b.lines({ afterSeq: 4 }).map((l) => l.line)).toEqual(["l5", "l6"]);
    expect(b.lines({ limit: 1 }).map((l) => l.line)).toEqual(["l6"]);
    expect(b.lines({ afterSeq: 2, limit: 2 }).map((l) => l.stream)).toEqual(["stdout", "stderr"]);
  });

  it("follows new lines until unsubscribed, and survives a throwing follower", () => {
    const b = new LogBuffer();
    const seen: string[] = [];
    b.follow(() => {
      throw new Error("closed socket");
    });
    const off = b.follow((l) => seen.push(l.line));
    b.push("stdout", "a");
    off();
    b.push("stdout", "b");
    expect(seen).toEqual(["a"]);
  });

  it("truncates huge lines", () => {
    const b = new LogBuffer();
    const l = b.push("stdout", "x".repeat(MAX_LINE_CHARS + 10));
    expect(l.line.length).toBeLessThan(MAX_LINE_CHARS + 20);
    expect(l.line.endsWith("[truncated]")).toBe(true);
  });

  it("rejects a bad capacity", () => {
    expect(() => new LogBuffer(0)).toThrow(RangeError);
  });
});

describe("LineSplitter", () => {
  it("splits LF and CRLF across chunks and flushes the tail", () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.write("a\r\nb");
    s.write("c\nd");
    expect(out).toEqual(["a", "bc"]);
    s.end();
    expect(out).toEqual(["a", "bc", "d"]);
  });

  it("emits an endless line once it is too long instead of buffering forever", () => {
    const out: string[] = [];
    const s = new LineSplitter((l) => out.push(l));
    s.write("y".repeat(MAX_LINE_CHARS + 1));
    expect(out.length).toBe(1);
  });
});
