/**
 * How a handler file is run as a worker: TypeScript through tsx, JavaScript with node, Python with python3.
 * tsx is passed as a file URL resolved from the handler's project (then from Gantry's own install), so the
 * worker starts whatever its working directory is.
 */
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "./errors.js";

export interface HandlerCommand {
  file: string;
  command: string;
  args: string[];
  kind: "typescript" | "javascript" | "python";
}

function tsxLoader(fromFile: string): string | undefined {
  for (const base of [fromFile, import.meta.filename]) {
    try {
      const pkg = createRequire(base).resolve("tsx/package.json");
      const loader = join(dirname(pkg), "dist", "loader.mjs");
      if (existsSync(loader)) return pathToFileURL(loader).href;
    } catch {
      // Not installed there: try the next place.
    }
  }
  return undefined;
}

export function handlerCommand(
  handler: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): HandlerCommand {
  const file = resolve(cwd, handler);
  const stat = statSync(file, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`handler not found: ${handler} (looked for ${file})`);
  if (!stat.isFile()) throw new UsageError(`handler is not a file: ${handler}`);
  const ext = extname(file).toLowerCase();
  switch (ext) {
    case ".ts":
    case ".mts":
    case ".cts": {
      const loader = tsxLoader(file);
      if (!loader)
        throw new UsageError(
          `cannot run ${handler}: install tsx (npm install -D tsx) to run TypeScript handlers`,
        );
      return { file, command: process.execPath, args: ["--import", loader, file], kind: "typescript" };
    }
    case ".js":
    case ".mjs":
    case ".cjs":
      return { file, command: process.execPath, args: [file], kind: "javascript" };
    case ".py":
      return { file, command: env.GANTRY_PYTHON ?? "python3", args: ["-u", file], kind: "python" };
    default:
      throw new UsageError(
        `cannot run ${handler}: unsupported extension "${ext}" (use a .ts, .mts, .js, .mjs or .py file)`,
      );
  }
}
