/**
 * The `webhook` of a run request: an absolute http(s) URL without whitespace that the WHATWG URL parser
 * accepts, kept exactly as given (the server posts to it verbatim). Uses only the global `URL`, present in
 * Node and in browsers.
 */
import { accept, type Parsed, refuse } from "./parsed.js";

const HTTP_URL_TEXT = /^https?:\/\/\S+$/i;

export const WEBHOOK_NOT_STRING = "webhook: must be a string";
export const WEBHOOK_INVALID = "webhook: must be an http(s) URL";

export function isHttpUrl(value: string): boolean {
  // The text test first: `new URL` would quietly strip surrounding spaces and encode inner ones.
  if (!HTTP_URL_TEXT.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

export function parseWebhookUrl(value: unknown): Parsed<string> {
  if (typeof value !== "string") return refuse(WEBHOOK_NOT_STRING);
  return isHttpUrl(value) ? accept(value) : refuse(WEBHOOK_INVALID);
}
