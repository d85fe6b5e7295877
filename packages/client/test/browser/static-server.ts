/**
 * The web page's origin: a tiny `node:http` file server on its own port, so every call the page makes to the
 * Gantry server is cross-origin and goes through CORS as it would from a real site. It serves the test page,
 * the built client (`/client/…` → packages/client/dist), and the ESM builds of its dependencies, eventsource-parser
 * and @gantry/protocol (`/vendor/…`), which the page's import map names.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const PAGE_DIR = fileURLToPath(new URL(".", import.meta.url));
export const CLIENT_DIST = fileURLToPath(new URL("../../dist/", import.meta.url));
const CLIENT_SRC = fileURLToPath(new URL("../../src/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

export interface StaticServer {
  url: string;
  /** Paths requested, in order (with their status), to tell what the page really loaded. */
  served: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

/** The directory holding eventsource-parser's ESM entry, found the way Node resolves it for @gantry/client. */
export function eventsourceParserDir(): string {
  const require = createRequire(join(CLIENT_DIST, "..", "package.json"));
  const pkgPath = require.resolve("eventsource-parser/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { exports?: { ".": { import?: string } } };
  const entry = pkg.exports?.["."]?.import;
  if (typeof entry !== "string") throw new Error(`${pkgPath}: no ESM entry in exports["."].import`);
  return dirname(resolve(dirname(pkgPath), entry));
}

/** The built @gantry/protocol, found the way Node resolves it for @gantry/client. */
export function protocolDir(): string {
  const require = createRequire(join(CLIENT_DIST, "..", "package.json"));
  return join(dirname(require.resolve("@gantry/protocol/package.json")), "dist");
}

/**
 * Fails with the build command when the client is not compiled, or was compiled before its sources last
 * changed: the page loads dist, and testing yesterday's build would prove nothing about today's code.
 */
export function requireBuiltClient(): void {
  const build = "build the client first (npx tsc -b packages/client)";
  if (!existsSync(join(protocolDir(), "index.js")))
    throw new Error(`${protocolDir()} holds no build: ${build}`);
  const stamp = join(CLIENT_DIST, ".tsbuildinfo");
  if (!existsSync(join(CLIENT_DIST, "index.js")) || !existsSync(stamp))
    throw new Error(`${CLIENT_DIST} holds no build: ${build}`);
  const builtAt = statSync(stamp).mtimeMs;
  const newer = readdirSync(CLIENT_SRC, { recursive: true, encoding: "utf8" }).filter(
    (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && statSync(join(CLIENT_SRC, f)).mtimeMs > builtAt,
  );
  if (newer.length > 0) throw new Error(`${CLIENT_DIST} is older than src/${newer[0]}: ${build}`);
}

export async function startStaticServer(): Promise<StaticServer> {
  const roots: [prefix: string, dir: string][] = [
    ["/client/", CLIENT_DIST],
    ["/vendor/eventsource-parser/", eventsourceParserDir()],
    ["/vendor/gantry-protocol/", protocolDir()],
  ];
  const pages: Record<string, string> = {
    "/": join(PAGE_DIR, "page.html"),
    "/page.js": join(PAGE_DIR, "page.js"),
  };
  const served: StaticServer["served"] = [];

  const locate = (path: string): string | undefined => {
    if (pages[path]) return pages[path];
    for (const [prefix, dir] of roots) {
      if (!path.startsWith(prefix)) continue;
      const file = resolve(dir, `.${path.slice(prefix.length - 1)}`);
      // `..` segments must not climb out of the served directory.
      return file.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? file : undefined;
    }
    return undefined;
  };

  const server: Server = createServer((req, res) => {
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://page.invalid").pathname);
    } catch {
      path = "";
    }
    const reply = (status: number, type: string, body: string | Buffer) => {
      served.push({ method: req.method ?? "", path, status });
      res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    const file = req.method === "GET" && path !== "" ? locate(path) : undefined;
    if (!file) return reply(404, "text/plain", "not found");
    readFile(file).then(
      (body) => reply(200, TYPES[extname(file)] ?? "application/octet-stream", body),
      () => reply(404, "text/plain", "not found"),
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
