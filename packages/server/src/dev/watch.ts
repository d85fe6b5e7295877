/**
 * File watching for dev reloads: `fs.watch` on each path (a directory recursively), with noise filtered out
 * and bursts collapsed into one call, since an editor's save is often several events (write, rename, chmod).
 */
import { type FSWatcher, statSync, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";

/** Directories and files whose changes are never a reason to reload. */
const IGNORED_DIRS = new Set([
  "node_modules",
  ".git",
  "dist",
  "__pycache__",
  ".gantry",
  ".venv",
  "venv",
  "coverage",
]);
const IGNORED_FILE = /(^\.runpod_jobs\.pkl$|~$|\.swp$|\.swx$|\.tmp$|^\.#|\.log$|\.tsbuildinfo$)/;

export function isIgnoredChange(relativePath: string): boolean {
  const parts = relativePath.split(/[\\/]/).filter((p) => p !== "");
  if (parts.some((p) => IGNORED_DIRS.has(p))) return true;
  const last = parts.at(-1);
  return last === undefined || IGNORED_FILE.test(last);
}

export interface Watcher {
  close(): void;
}

/**
 * Calls `onChange(paths)` once per burst of changes, `debounceMs` after the last event. A missing path is an
 * error (thrown at once, so a typo is reported instead of silently never reloading).
 */
export function watchPaths(
  paths: readonly string[],
  onChange: (changed: string[]) => void,
  debounceMs = 200,
): Watcher {
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let pending = new Set<string>();
  const fire = (): void => {
    timer = undefined;
    const changed = [...pending];
    pending = new Set();
    onChange(changed);
  };
  const record = (path: string): void => {
    pending.add(path);
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, debounceMs);
  };

  try {
    for (const raw of paths) {
      const path = resolve(raw);
      const stat = statSync(path, { throwIfNoEntry: false });
      if (!stat) throw new Error(`cannot watch ${path}: no such file or directory`);
      if (stat.isDirectory()) {
        const w = watch(path, { recursive: true }, (_event, name) => {
          const rel = name?.toString() ?? "";
          if (rel !== "" && !isIgnoredChange(rel)) record(resolve(path, rel));
        });
        watchers.push(w);
      } else {
        // Editors often replace a file (write a copy, rename it over), which ends a watch on the file itself:
        // watch its directory and filter on the name instead.
        const dir = dirname(path);
        const name = basename(path);
        const w = watch(dir, (_event, changed) => {
          if (changed?.toString() === name) record(path);
        });
        watchers.push(w);
      }
    }
  } catch (err) {
    for (const w of watchers) w.close();
    throw err;
  }
  for (const w of watchers) {
    // A watched directory that disappears must not crash the dev server.
    w.on("error", () => w.close());
  }

  return {
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const w of watchers) w.close();
    },
  };
}
