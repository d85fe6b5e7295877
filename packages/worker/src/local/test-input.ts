/**
 * Finds and checks the job of local test mode: `--test_input`, else `./test_input.json`
 * (docs/protocol.md §12.2).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { WorkerArgs } from "../args.js";
import type { Job } from "../types.js";

export const TEST_INPUT_FILE = "test_input.json";
export const DEFAULT_LOCAL_JOB_ID = "local_test";

export type LoadedTestJob =
  | { ok: true; job: Job; source: "--test_input" | typeof TEST_INPUT_FILE }
  | { ok: false; level: "warn" | "error"; message: string };

function toJob(raw: unknown, source: "--test_input" | typeof TEST_INPUT_FILE): LoadedTestJob {
  const record =
    raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (record.input === undefined || record.input === null) {
    return { ok: false, level: "error", message: "Job has no input parameter. Unable to run." };
  }
  const id =
    record.id === undefined || record.id === null || record.id === ""
      ? DEFAULT_LOCAL_JOB_ID
      : String(record.id);
  return { ok: true, job: { ...record, id, input: record.input }, source };
}

export async function loadTestJob(args: WorkerArgs, cwd: string = process.cwd()): Promise<LoadedTestJob> {
  if (args.test_input_error !== undefined) {
    return { ok: false, level: "error", message: `--test_input is not valid JSON: ${args.test_input_error}` };
  }
  if (args.test_input !== undefined) return toJob(args.test_input, "--test_input");

  const file = path.join(cwd, TEST_INPUT_FILE);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      return { ok: false, level: "warn", message: `${TEST_INPUT_FILE} not found, exiting.` };
    }
    return { ok: false, level: "error", message: `Could not read ${file}: ${(err as Error).message}` };
  }
  try {
    return toJob(JSON.parse(text), TEST_INPUT_FILE);
  } catch (err) {
    return { ok: false, level: "error", message: `${file} is not valid JSON: ${(err as Error).message}` };
  }
}
