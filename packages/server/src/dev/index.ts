/** Local development: the dev server (`gantry dev`, `--rp_serve_api`) and the in-process platform it is built on. */
export { type DevServerOptions, runDevServer, workerArgs } from "./dev-server.js";
export { type LocalPlatform, type LocalPlatformOptions, startLocalPlatform } from "./local-platform.js";
