/**
 * Where `gantry run` gets the job's input: `--input '<json>'`, `--input @file`, `--input -` or piped stdin.
 * A file shaped like `test_input.json` (`{"input": …}` plus at most `id`/`webhook`/`policy`/`s3Config`) gives its
 * `input`, so the file a worker is tested with can be sent as is.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { UsageError } from "./errors.js";

const JOB_KEYS = new Set(["input", "id", "webhook", "policy", "s3Config"]);

function parse(text: string, where: string): unknown {
  if (text.trim() === "")
    throw new UsageError(`${where} is empty; the input must be JSON (e.g. '{"name": "x"}')`);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
}

function unwrapJobFile(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (!keys.includes("input") || !keys.every((k) => JOB_KEYS.has(k))) return value;
  return (value as { input: unknown }).input;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  stdin.setEncoding("utf8");
  for await (const chunk of stdin) text += chunk as string;
  return text;
}

export async function readJobInput(
  raw: string | undefined,
  cwd: string,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<unknown> {
  if (raw === undefined || raw === "-") {
    if (raw === undefined && stdin.isTTY)
      throw new UsageError("no input: pass --input '<json>', --input @file.json, or pipe JSON on stdin");
    return parse(await readStdin(stdin), "the input on stdin");
  }
  if (raw.startsWith("@")) {
    const file = resolve(cwd, raw.slice(1));
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new UsageError(
        `cannot read the input file ${raw.slice(1)}: ${code === "ENOENT" ? "no such file" : (err as Error).message}`,
      );
    }
    return unwrapJobFile(parse(text, `the input file ${raw.slice(1)}`));
  }
  return parse(raw, "--input");
}
