/**
 * Keeps docs/architecture.md true to the imports: every import between the server's layers must be one the
 * document's `layers` block allows, there is no import cycle between files, and no source file outgrows the
 * size the project keeps (400 lines; the conformance suite aside).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = dirname(fileURLToPath(import.meta.url));
const REPO = join(SRC, "..", "..", "..");
const MAX_LINES = 400;
const SIZE_EXEMPT = new Set(["packages/server/src/testing/conformance.ts"]);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "__tests__" && entry.name !== "__fixtures__") out.push(...sourceFiles(path));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
      out.push(path);
    }
  }
  return out;
}

/** The layer of a file: its top folder under src/ (api/ by its sub-folder), or the file itself at the top. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  if (parts.length === 1) return parts[0] as string;
  if (parts[0] === "api" && parts.length > 2) return `api/${parts[1]}`;
  return parts[0] as string;
}

const IMPORT = /^(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']/gm;

function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(IMPORT)].map((m) =>
    normalize(join(dirname(file), (m[1] as string).replace(/\.js$/, ".ts"))),
  );
}

function allowedLayers(): Map<string, Set<string>> {
  const doc = readFileSync(join(REPO, "docs", "architecture.md"), "utf8");
  const block = /```layers\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error("docs/architecture.md has no ```layers block");
  const allowed = new Map<string, Set<string>>();
  for (const line of (block[1] as string).split("\n")) {
    const m = /^(\S+)\s+->(.*)$/.exec(line.trim());
    if (m) allowed.set(m[1] as string, new Set((m[2] as string).trim().split(/\s+/).filter(Boolean)));
  }
  return allowed;
}

describe("the server's layers (docs/architecture.md)", () => {
  const files = sourceFiles(SRC);
  const edges = new Map(files.map((f) => [f, relativeImports(f)] as const));

  it("imports only across the layers the document allows", () => {
    const allowed = allowedLayers();
    const outside: string[] = [];
    for (const [file, targets] of edges) {
      const from = layerOf(file);
      const may = allowed.get(from);
      for (const target of targets) {
        const to = layerOf(target);
        if (to === from || may?.has("*") || may?.has(to)) continue;
        outside.push(`${relative(SRC, file)} -> ${relative(SRC, target)} (${from} -> ${to})`);
      }
    }
    expect(outside).toEqual([]);
  });

  it("has no import cycle", () => {
    const state = new Map<string, "open" | "done">();
    const cycles: string[] = [];
    const stack: string[] = [];
    const visit = (file: string): void => {
      state.set(file, "open");
      stack.push(file);
      for (const next of edges.get(file) ?? []) {
        const s = state.get(next);
        if (s === "open") {
          cycles.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative(SRC, f)).join(" -> "));
        } else if (s === undefined && edges.has(next)) {
          visit(next);
        }
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of files) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});

describe("source file size", () => {
  it(`keeps every non-test source file of every package at ${MAX_LINES} lines or fewer`, () => {
    const packages = readdirSync(join(REPO, "packages"));
    const over: string[] = [];
    for (const pkg of packages) {
      for (const file of sourceFiles(join(REPO, "packages", pkg, "src"))) {
        const rel = relative(REPO, file).split(sep).join("/");
        const lines = readFileSync(file, "utf8").split("\n").length - 1;
        if (lines > MAX_LINES && !SIZE_EXEMPT.has(rel)) over.push(`${rel}: ${lines} lines`);
      }
    }
    expect(packages.length).toBeGreaterThanOrEqual(5);
    expect(over).toEqual([]);
  });
});
