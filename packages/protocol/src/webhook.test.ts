import { describe, expect, it } from "vitest";
import { isHttpUrl, parseWebhookUrl } from "./webhook.js";

describe("parseWebhookUrl", () => {
  it("accepts http and https URLs in any case, returned exactly as given", () => {
    for (const url of [
      "http://127.0.0.1:9000/hook",
      "https://example.com/a?token=x#f",
      "HTTPS://Example.com",
      "http://[::1]:8080/",
      "https://user:pw@example.com/p%20q",
    ])
      expect(parseWebhookUrl(url)).toEqual({ ok: true, value: url });
  });

  it("refuses other schemes, relative URLs, whitespace and what the URL parser refuses", () => {
    for (const url of [
      "ftp://x",
      "/hook",
      "example.com",
      "http://",
      "http://a b",
      "http://a/b c",
      " http://a",
      "http://a\n",
      "http://[",
      "mailto:a@b.c",
      "",
    ]) {
      expect(parseWebhookUrl(url), url).toEqual({ ok: false, error: "webhook: must be an http(s) URL" });
      expect(isHttpUrl(url)).toBe(false);
    }
  });

  it("refuses a non-string with its own message", () => {
    for (const v of [42, null, {}, ["http://a"]])
      expect(parseWebhookUrl(v)).toEqual({ ok: false, error: "webhook: must be a string" });
  });
});
