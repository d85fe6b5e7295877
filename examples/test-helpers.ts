/**
 * Runs an example worker as a real child process in local test mode and parses what it prints.
 * Shared by every `examples/<name>/handler.test.ts`.
 */
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const examplesDir = dirname(fileURLToPath(import.meta.url));

export interface RunOptions {
  /** JSON-serialisable job (`{ input, id? }`) passed with `--test_input`; omitted → the example's test_input.json. */
  testInput?: unknown;
  /** Extra flags for node itself, e.g. `--expose-gc`. */
  nodeArgs?: string[];
  /** Extra environment variables (merged over a cleaned copy of this process's env). */
  env?: Record<string, string>;
  /** Kill the child after this long; generous because the machine is shared. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every stdout line reduced to its message (plain `LEVEL | id | msg` or JSON-line `message`). */
  messages: string[];
  /** The body printed on the `Job result:` line, or undefined if there was none. */
  result: Record<string, unknown> | undefined;
  /** The error printed on the `Job <id> failed with error:` line (local mode prints no result for failures). */
  failure: string | undefined;
  /** Each `Stream chunk:` payload, in order. */
  chunks: unknown[];
  /** Each `Progress:` payload, in order. */
  progress: unknown[];
}

/** Extracts the message of one log line, whichever of the two logger formats printed it. */
export function messageOf(line: string): string {
  const trimmed = line.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed && typeof parsed === "object" && "message" in parsed) {
        return String((parsed as { message: unknown }).message);
      }
    } catch {
      // not a JSON log line: fall through to the plain format
    }
  }
  return trimmed;
}

/** Parses the JSON payload after `marker` in a message, or returns undefined if the marker is absent. */
function payloadAfter(message: string, marker: string): { found: boolean; value: unknown } {
  const at = message.indexOf(marker);
  if (at === -1) return { found: false, value: undefined };
  return { found: true, value: JSON.parse(message.slice(at + marker.length)) };
}

export function runExample(name: string, options: RunOptions = {}): Promise<RunResult> {
  const cwd = join(examplesDir, name);
  const args = [...(options.nodeArgs ?? []), "--import", "tsx", "handler.ts"];
  if (options.testInput !== undefined) args.push("--test_input", JSON.stringify(options.testInput));

  // Strip anything that would switch the SDK into production mode or JSON logging.
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("RUNPOD_")) env[key] = value;
  }
  Object.assign(env, { RUNPOD_LOG_LEVEL: "DEBUG" }, options.env);

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      try {
        resolve(parseOutput(code, stdout, stderr));
      } catch (err) {
        reject(new Error(`could not parse output of ${name}: ${String(err)}\n${stdout}\n${stderr}`));
      }
    });
  });
}

function parseOutput(code: number | null, stdout: string, stderr: string): RunResult {
  const messages = stdout
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map(messageOf);
  const chunks: unknown[] = [];
  const progress: unknown[] = [];
  let result: Record<string, unknown> | undefined;
  let failure: string | undefined;
  for (const message of messages) {
    const failed = /^(?:\w+ +\| )?(?:[^|]+ \| )?Job .+ failed with error: ([\s\S]*)$/.exec(message);
    if (failed) failure = failed[1];
    const chunk = payloadAfter(message, "Stream chunk: ");
    if (chunk.found) chunks.push(chunk.value);
    const update = payloadAfter(message, "Progress: ");
    if (update.found) progress.push(update.value);
    const final = payloadAfter(message, "Job result: ");
    if (final.found) result = final.value as Record<string, unknown>;
  }
  return { code, stdout, stderr, messages, result, failure, chunks, progress };
}

/** Index of the first message containing `text`, or -1. */
export function indexOfMessage(run: RunResult, text: string): number {
  return run.messages.findIndex((m) => m.includes(text));
}

/** The `output` of the printed result; throws with the child's output when there is none. */
export function outputOf<T>(run: RunResult): T {
  if (!run.result || !("output" in run.result)) {
    throw new Error(`no output in the result (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  return run.result.output as T;
}
