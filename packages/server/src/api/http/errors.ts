/**
 * Every non-2xx answer of the API is `{"error": "<string>"}` (docs/api.md, "Errors you can get from any public
 * route"): the JS SDK exposes the parsed body of a failed call, and an HTML or plain-text body would hide the
 * reason from it. Handlers and guards throw `ApiError`; the dispatcher writes it (reply.ts).
 */

export type ErrorStatus = 400 | 401 | 404 | 409 | 413 | 429 | 500 | 503;

export class ApiError extends Error {
  readonly status: ErrorStatus;
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(status: ErrorStatus, message: string, headers?: Record<string, string>) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.headers = headers;
  }
}
