import type { Job } from "../types.js";
import type { HttpReply } from "./http.js";

export type TakeOutcome =
  | { kind: "jobs"; jobs: Job[]; rejected: string[] }
  | { kind: "empty" }
  | { kind: "rate-limited" }
  | { kind: "error"; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function jobsOf(items: readonly unknown[]): TakeOutcome {
  const jobs: Job[] = [];
  const rejected: string[] = [];
  for (const item of items) {
    if (isRecord(item) && typeof item.id === "string" && item.id !== "") jobs.push(item as Job);
    else rejected.push(`Job without a string id dropped: ${describe(item)}`);
  }
  if (jobs.length === 0 && rejected.length === 0) return { kind: "empty" };
  return { kind: "jobs", jobs, rejected };
}

/**
 * Interprets a job-take / job-take-batch reply (docs/protocol.md §4). Unlike Python, a 400, a non-JSON body
 * or an error status is an error (the caller backs off) rather than an immediate re-poll, and malformed jobs
 * are dropped one by one without losing the well-formed ones beside them.
 */
export function parseTakeReply(reply: HttpReply): TakeOutcome {
  if (reply.status === 204) return { kind: "empty" };
  if (reply.status === 429) return { kind: "rate-limited" };
  if (reply.status !== 200) return { kind: "error", reason: `job-take answered HTTP ${reply.status}` };
  if (reply.text.trim() === "") return { kind: "empty" };
  let payload: unknown;
  try {
    payload = JSON.parse(reply.text);
  } catch {
    return { kind: "error", reason: `job-take body is not JSON: ${describe(reply.text.slice(0, 200))}` };
  }
  if (Array.isArray(payload)) return jobsOf(payload);
  if (isRecord(payload)) {
    if (typeof payload.id !== "string" || payload.id === "" || !("input" in payload)) {
      return {
        kind: "jobs",
        jobs: [],
        rejected: [`Job has missing field(s): id or input. ${describe(payload)}`],
      };
    }
    return { kind: "jobs", jobs: [payload as Job], rejected: [] };
  }
  return { kind: "empty" };
}

/**
 * The jobs of a Gantry result post sent with `&take=` (`200 {"jobs":[…]}`), parsed as job-take-batch's array.
 * Undefined when the answer carries no `jobs` array (a refused post, or a server that ignored `take`).
 */
export function parseDoneTakeReply(reply: HttpReply): TakeOutcome | undefined {
  if (reply.status !== 200) return undefined;
  let payload: unknown;
  try {
    payload = JSON.parse(reply.text);
  } catch {
    return undefined;
  }
  if (!isRecord(payload) || !Array.isArray(payload.jobs)) return undefined;
  return jobsOf(payload.jobs);
}

/** Job ids a job-stop reply names (docs/protocol.md §5); anything malformed means "nothing to stop". */
export function parseStopReply(reply: HttpReply): { ids: string[]; dropped: number } {
  if (reply.status !== 200 || reply.text.trim() === "") return { ids: [], dropped: 0 };
  let payload: unknown;
  try {
    payload = JSON.parse(reply.text);
  } catch {
    return { ids: [], dropped: 0 };
  }
  if (!isRecord(payload) || !Array.isArray(payload.jobsToStop)) return { ids: [], dropped: 0 };
  const ids = payload.jobsToStop.filter((id): id is string => typeof id === "string");
  return { ids, dropped: payload.jobsToStop.length - ids.length };
}
