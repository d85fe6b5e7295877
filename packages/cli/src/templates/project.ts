/** The non-code files of a `gantry init` project. */

export interface ProjectVars {
  /** npm package name and endpoint id. */
  name: string;
  /** The `@gantry/worker` dependency spec (`^0.1.0`, or `file:/…` with --sdk-path). */
  workerSpec: string;
  /** The `@gantry/cli` dev dependency spec. */
  cliSpec: string;
}

export function packageJson(v: ProjectVars): string {
  const pkg = {
    name: v.name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      start: "node --import tsx handler.ts",
      test: "node --import tsx --test handler.test.ts",
      dev: "gantry dev handler.ts",
      serve: "gantry serve --config gantry.json",
      typecheck: "tsc --noEmit",
    },
    dependencies: { "@gantry/worker": v.workerSpec },
    devDependencies: {
      "@gantry/cli": v.cliSpec,
      "@types/node": "^20.19.0",
      tsx: "^4.20.0",
      typescript: "^5.9.0",
    },
    engines: { node: ">=20.18" },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

export const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
    },
    include: ["*.ts"],
  },
  null,
  2,
)}\n`;

export const TEST_INPUT = `${JSON.stringify({ input: { name: "Gantry", steps: 3 } }, null, 2)}\n`;

export function gantryJson(v: ProjectVars): string {
  const config = {
    port: 8080,
    endpoints: [
      {
        id: v.name,
        executionTimeoutMs: 60_000,
        scaling: { workersMin: 0, workersMax: 2, idleTimeoutS: 30 },
        worker: { command: ["node", "--import", "tsx", "handler.ts"], cwd: "." },
      },
    ],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export const GITIGNORE = "node_modules/\n.gantry/\ndist/\n*.log\n";

export function readme(v: ProjectVars): string {
  return `# ${v.name}

A serverless worker for [Gantry](https://github.com/) (and RunPod Serverless: the worker protocol is the same).

| file | what it is |
|---|---|
| \`handler.ts\` | the handler: greets \`input.name\` in \`input.steps\` steps, reporting progress (a streaming variant is in the comments) |
| \`handler.test.ts\` | its tests (\`npm test\`, Node's own test runner) |
| \`test_input.json\` | the sample job \`npm start\` runs |
| \`gantry.json\` | a server config with one endpoint, \`${v.name}\`, whose workers run this handler |

## Try it

\`\`\`sh
npm install
npm test                        # unit tests + one real local run
npm start                       # runs test_input.json once and prints the result
\`\`\`

## Serve it

\`\`\`sh
npm run serve                   # gantry serve --config gantry.json (stores jobs and its API key in .gantry/)
# in another terminal, in this directory (the key is read from .gantry/secrets.json):
npx gantry run ${v.name} --input @test_input.json
npx gantry run ${v.name} --input '{"name": "Ada", "steps": 10}'    # with a progress bar
npx gantry health ${v.name}
npx gantry workers ${v.name}
npx gantry logs ${v.name} --follow
\`\`\`

While developing, \`npm run dev\` (\`gantry dev handler.ts\`) serves just this handler in memory and restarts it
when a file changes.
`;
}
