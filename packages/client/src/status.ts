/** Reading job status objects defensively: the client must not trust a server (or a proxy) blindly. */
import {
  isPlainObject as isObject,
  isTerminalStatus as isTerminal,
  TERMINAL_STATUSES,
} from "@gantry/protocol";
import { GantryError } from "./errors.js";
import type { JobAck, JobStatus, JobStatusName } from "./types.js";

/** All four terminal states, CANCELLED included (Python's client forgets it and streams forever). */
export { isObject, isTerminal, TERMINAL_STATUSES };

/** Checks the fields every client relies on (`id`, `status`); other fields pass through untouched. */
export function asJobStatus(body: unknown, what: string): JobStatus {
  if (!isObject(body) || typeof body.id !== "string" || typeof body.status !== "string")
    throw new GantryError(`${what}: unexpected response ${preview(body)}; expected {"id", "status", …}`);
  return body as unknown as JobStatus;
}

export function asJobAck(body: unknown, what: string): JobAck {
  return asJobStatus(body, what) as JobAck;
}

export function preview(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

export type { JobStatusName };
