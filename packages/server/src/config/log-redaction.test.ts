import { expect, test } from "vitest";
import { captureLines } from "../../test/log-capture.js";
import { loggableUrl } from "../engine/webhooks.js";
import { createScrubbedLogger, REDACTED, SecretScrubber } from "./log-redaction.js";

test("scrubs registered values wherever they appear, raw or JSON-escaped, longest first", () => {
  const s = new SecretScrubber();
  s.add(["abcdefgh", 'quote"secret\\x', "abcdefgh-longer", undefined, "short"]);
  expect(s.scrub("k=abcdefgh-longer and abcdefgh")).toBe(`k=${REDACTED} and ${REDACTED}`);
  expect(s.scrub(JSON.stringify({ m: 'has quote"secret\\x inside' }))).toBe(
    JSON.stringify({ m: `has ${REDACTED} inside` }),
  );
  // Too short to scrub safely: left alone.
  expect(s.scrub("short")).toBe("short");
});

test("the server logger scrubs secrets from messages, fields, errors and redacts header fields", async () => {
  const { lines, stream } = captureLines();
  const scrubber = new SecretScrubber();
  const log = createScrubbedLogger(scrubber, { level: "info" }, stream);
  log.info({ apiKey: "gantry_firstkey123" }, "before registration");
  scrubber.add(["gantry_firstkey123", "worker-secret-xyz"]);
  log.warn({ reason: "env RUNPOD_AI_API_KEY=worker-secret-xyz" }, "worker reported unhealthy");
  log.error({ err: new Error("auth failed for gantry_firstkey123") }, "boom");
  log.info({ headers: { authorization: "Bearer anything-at-all" } }, "request");
  log.info("plain message with worker-secret-xyz");
  await new Promise((r) => setImmediate(r));
  const [first, ...rest] = lines;
  expect(first).toContain("gantry_firstkey123");
  const text = rest.join("");
  expect(rest).toHaveLength(4);
  expect(text).not.toContain("gantry_firstkey123");
  expect(text).not.toContain("worker-secret-xyz");
  expect(text).not.toContain("anything-at-all");
  for (const line of rest) expect(line).toContain(REDACTED);
});

test("webhook URLs are logged without query strings or credentials", () => {
  expect(loggableUrl("https://hooks.example.com/a/b?token=s3cr3t")).toBe(
    "https://hooks.example.com/a/b?[redacted]",
  );
  expect(loggableUrl("http://user:pw@example.com:8080/h")).toBe("http://example.com:8080/h?[redacted]");
  expect(loggableUrl("http://example.com/h")).toBe("http://example.com/h");
  expect(loggableUrl("not a url")).toBe("[invalid url]");
});
