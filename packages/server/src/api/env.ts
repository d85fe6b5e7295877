/** Hono environment shared by every route module. */
import type { HttpBindings } from "@hono/node-server";

export type AppEnv = {
  /** Present when served by @hono/node-server; absent under `app.request` in tests. */
  Bindings: Partial<HttpBindings>;
  Variables: {
    /** The authenticated API key (or "anonymous" when auth is disabled); rate limits are keyed on it. */
    apiKey: string;
  };
};
