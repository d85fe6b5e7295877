/**
 * One request as routes see it: node's request and response, the path parameters (decoded), and accessors that
 * cost nothing until used (query, headers, body, the long-poll signal). Its methods live on the prototype, so a
 * request allocates this one object, not a closure per accessor. It is also the `Delivery` of the answer.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { getQueryParam } from "hono/utils/url";
import { readBody } from "./body.js";
import type { Delivery } from "./delivery.js";
import { responseSignal } from "./long-poll.js";

export class ApiCall implements Delivery {
  /** `:endpointId` (decoded; checked by the endpoint guard where the route asks for it). */
  endpointId = "";
  /** `:workerId` as given in the path (decoded); the operations check it. */
  workerId = "";
  /** `:jobId` as given in the path (decoded), on the routes that have one. */
  jobId: string | undefined = undefined;
  /** The API key the request authenticated with ("anonymous" with auth disabled); rate limits are keyed on it. */
  apiKey = "";
  /** The byte limit `body()` reads within (set by the dispatcher from the route's body rule). */
  bodyLimit = 0;
  #url: string | undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** As the client sent it (`HEAD` stays `HEAD`). */
    readonly method: string,
    /** The origin-form target (`/path?query`), the path not yet normalised. */
    readonly target: string,
    /** Where the query starts in `target`, or -1. */
    readonly queryAt: number,
    /** Aborts every long-poll when the server shuts down. */
    readonly shutdown: AbortSignal,
  ) {}

  /** A query parameter: the first occurrence, decoded as browsers encode (`+` is a space). */
  query(name: string): string | undefined {
    if (this.queryAt === -1) return undefined;
    this.#url ??= `http://gantry${this.target}`;
    return getQueryParam(this.#url, name) as string | undefined;
  }

  /** A request header as one string (repeated headers joined with ", ", as the web `Headers` joins them). */
  header(name: string): string | undefined {
    const v = this.req.headers[name];
    return Array.isArray(v) ? v.join(", ") : v;
  }

  /** The body as text, within the route's limit. */
  body(): Promise<string> {
    return readBody(this.req, this.bodyLimit);
  }

  /** Ends a long-poll when the client leaves or the server shuts down; build it only when holding. */
  signal(): AbortSignal {
    return responseSignal(this.res, this.shutdown);
  }

  /**
   * From the node response alone, which tells a drop from a delivered answer: 'close' before the response was
   * fully written means the client never got it.
   */
  gone(): boolean {
    return this.res.destroyed && !this.res.writableFinished;
  }

  onLost(fn: () => void): void {
    const res = this.res;
    res.once("close", () => {
      if (!res.writableFinished) fn();
    });
  }
}
