/** `gantry init [dir]`: scaffolds a worker project that runs and passes its own tests at once. */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { styleFor } from "../style.js";
import { HANDLER_TEST_TS, HANDLER_TS } from "../templates/handler.js";
import {
  GITIGNORE,
  gantryJson,
  type ProjectVars,
  packageJson,
  readme,
  TEST_INPUT,
  TSCONFIG,
} from "../templates/project.js";

interface InitFlags {
  name?: string;
  force?: boolean;
  sdkPath?: string;
}

const RELEASED = "^0.1.0";

/** A name fit for both npm (lowercase) and an endpoint id ([A-Za-z0-9_-]). */
export function projectName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "")
    .slice(0, 64);
}

function packageNameAt(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/** `--sdk-path` points at a checkout's packages/worker; the CLI next to it is used too when present. */
function localSpecs(sdkPath: string, cwd: string): { workerSpec: string; cliSpec: string } {
  const dir = resolve(cwd, sdkPath);
  if (packageNameAt(dir) !== "@gantry/worker")
    throw new UsageError(`--sdk-path ${sdkPath}: no @gantry/worker package.json there (looked in ${dir})`);
  const cli = resolve(dir, "..", "cli");
  return {
    workerSpec: `file:${dir}`,
    cliSpec: packageNameAt(cli) === "@gantry/cli" ? `file:${cli}` : RELEASED,
  };
}

export function registerInit(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("init")
    .description("create a worker project: handler, tests, sample input, server config")
    .argument("[dir]", "where to create it (default: the current directory)", ".")
    .option("--name <name>", "package name and endpoint id (default: the directory's name)")
    .option("--force", "write into a directory that is not empty (existing files are overwritten)")
    .option("--sdk-path <path>", "depend on a local @gantry/worker checkout (file:) instead of the release")
    .addHelpText("after", "\nExample:\n  gantry init my-worker && cd my-worker && npm install && npm test")
    .action((dir: string, flags: InitFlags) => {
      const target = resolve(io.cwd, dir);
      if (existsSync(target)) {
        if (!statSync(target).isDirectory()) throw new UsageError(`${dir} exists and is not a directory`);
        const entries = readdirSync(target).filter((e) => e !== ".git");
        if (entries.length > 0 && !flags.force)
          throw new UsageError(
            `${dir} is not empty (${entries.length} entries); use --force to write into it anyway`,
          );
      }
      const name = projectName(flags.name ?? basename(target));
      if (name === "")
        throw new UsageError(
          `cannot derive a project name from "${flags.name ?? basename(target)}"; pass --name (letters, digits, - or _)`,
        );
      const specs =
        flags.sdkPath !== undefined
          ? localSpecs(flags.sdkPath, io.cwd)
          : { workerSpec: RELEASED, cliSpec: RELEASED };
      const vars: ProjectVars = { name, ...specs };
      const files: [string, string][] = [
        ["package.json", packageJson(vars)],
        ["handler.ts", HANDLER_TS],
        ["handler.test.ts", HANDLER_TEST_TS],
        ["test_input.json", TEST_INPUT],
        ["gantry.json", gantryJson(vars)],
        ["tsconfig.json", TSCONFIG],
        ["README.md", readme(vars)],
        [".gitignore", GITIGNORE],
      ];
      mkdirSync(target, { recursive: true });
      for (const [file, text] of files) writeFileSync(join(target, file), text);
      const s = styleFor(io.stdout, io.env);
      const where = relative(io.cwd, target) || ".";
      io.stdout.write(
        [
          `${s.green("created")} worker project ${s.bold(name)} in ${where}`,
          ...files.map(([f]) => `  ${f}`),
          "",
          "next:",
          ...(where === "." ? [] : [`  cd ${where}`]),
          "  npm install",
          "  npm test                 # the handler's tests",
          "  npm start                # run test_input.json once",
          `  npm run serve            # then: npx gantry run ${name} --input @test_input.json`,
          "",
        ].join("\n"),
      );
      setExit(0);
    });
}
