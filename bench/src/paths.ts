/** Where things are, independent of the working directory the benchmark is started from. */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** `--import` value that lets a child process run TypeScript sources. */
export const TSX_IMPORT = pathToFileURL(
  join(REPO_ROOT, "node_modules", "tsx", "dist", "esm", "index.mjs"),
).href;
export const NOOP_WORKER = fileURLToPath(new URL("../fixtures/noop-worker.mjs", import.meta.url));
export const BULLMQ_WORKER = fileURLToPath(new URL("./bullmq-worker-child.ts", import.meta.url));
