import { createRequire } from "node:module";

/** The server package's version, announced in the `X-Gantry-Version` response header and the OpenAPI document. */
export const SERVER_VERSION: string = (
  createRequire(import.meta.url)("../package.json") as { version: string }
).version;
