/** The worker project `gantry init` writes: a handler, its test, a sample job, a server config, a README. */

export const HANDLER_TS = `/**
 * A worker handler: it greets someone in a few steps and reports its progress after each one.
 * Run it once locally:   npm start              (uses test_input.json)
 * Serve it:              npx gantry dev handler.ts
 */
import { pathToFileURL } from "node:url";
import { type HandlerContext, type Job, start } from "@gantry/worker";

export interface Input {
  name?: unknown;
  steps?: unknown;
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

export async function handler(job: Job<Input>, ctx: HandlerContext) {
  const { name, steps = 3 } = job.input ?? {};
  // A returned \`error\` fails the job with that message (no stack trace needed for bad input).
  if (typeof name !== "string" || name.trim() === "") return { error: "input.name must be a non-empty string" };
  if (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1 || steps > 100)
    return { error: "input.steps must be an integer from 1 to 100" };

  for (let i = 1; i <= steps; i++) {
    // Stands in for real work; the signal fires when the job is cancelled or times out.
    await pause(200, ctx.signal);
    await ctx.progress(Math.round((i / steps) * 100), \`step \${i} of \${steps}\`);
  }
  ctx.log.info(\`greeted \${name}\`);
  return { greeting: \`Hello, \${name}!\`, steps };
}

// A streaming variant: return (or be) an async generator and every yielded value reaches clients as a chunk
// (\`gantry run <endpoint> --stream\`). Use it instead of \`handler\` in start() below.
//
// export async function* streamingHandler(job: Job<Input>, ctx: HandlerContext) {
//   const words = \`Hello, \${String(job.input.name)}! Nice to meet you.\`.split(" ");
//   for (const word of words) {
//     if (ctx.signal.aborted) return;
//     yield { token: \`\${word} \` };
//     await pause(100, ctx.signal);
//   }
// }

// Start the worker only when this file is run (not when a test imports the handler).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  start({ handler });
}
`;

export const HANDLER_TEST_TS = `/**
 * Tests with nothing but Node's own runner: \`npm test\` (node --test, TypeScript through tsx).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { HandlerContext, Job } from "@gantry/worker";
import { handler, type Input } from "./handler.js";

const here = fileURLToPath(new URL(".", import.meta.url));

function context(progress: unknown[]): HandlerContext {
  const quiet = () => undefined;
  return {
    signal: new AbortController().signal,
    progress: async (p: unknown, message?: string) => {
      progress.push(message === undefined ? p : { progress: p, message });
    },
    log: { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
    workerId: "test",
  };
}

const job = (input: Input): Job<Input> => ({ id: "test-job", input });

test("greets in steps, reporting progress after each", async () => {
  const progress: unknown[] = [];
  const out = await handler(job({ name: "Ada", steps: 2 }), context(progress));
  assert.deepEqual(out, { greeting: "Hello, Ada!", steps: 2 });
  assert.deepEqual(progress, [
    { progress: 50, message: "step 1 of 2" },
    { progress: 100, message: "step 2 of 2" },
  ]);
});

test("rejects a missing name with a clear error", async () => {
  const out = await handler(job({ steps: 1 }), context([]));
  assert.deepEqual(out, { error: "input.name must be a non-empty string" });
});

test("runs test_input.json as a real worker in local test mode", () => {
  const sample = JSON.parse(readFileSync(new URL("./test_input.json", import.meta.url), "utf8"));
  const run = spawnSync(process.execPath, ["--import", "tsx", "handler.ts"], {
    cwd: here,
    encoding: "utf8",
    // Without RUNPOD_WEBHOOK_GET_JOB the worker runs one local job and exits.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("RUNPOD_"))),
    timeout: 60_000,
  });
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const line = run.stdout.split("\\n").find((l) => l.includes("Job result: "));
  assert.ok(line, run.stdout);
  const result = JSON.parse(line.slice(line.indexOf("Job result: ") + "Job result: ".length));
  assert.deepEqual(result.output, { greeting: \`Hello, \${sample.input.name}!\`, steps: sample.input.steps });
});
`;
