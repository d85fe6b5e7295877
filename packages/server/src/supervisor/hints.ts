/**
 * Human-readable reasons for waiting, shown on queued jobs (`hint`) and in `/health` (`hints`). RunPod's users
 * cannot tell a crash loop from a capacity shortage; these sentences tell them which one it is. Pure.
 */
import type { CrashReportView } from "@gantry/protocol";
import type { EndpointScaling } from "../domain/endpoint.js";

/** The last crash of an endpoint's workers, as the admin API shows it: its wire type. */
export type CrashReport = CrashReportView;

export interface HintInput {
  now: number;
  settings: EndpointScaling;
  /** The platform starts this endpoint's workers (it has a worker command). */
  managed: boolean;
  counts: { initializing: number; idle: number; running: number; unhealthy: number };
  crash: { consecutive: number; looping: boolean; nextStartAt?: number; last?: CrashReport };
}

export function describeExit(c: CrashReport): string {
  if (c.error !== undefined) return `could not be started (${c.error})`;
  if (c.signal !== null) return `was killed by ${c.signal}`;
  return `exited with code ${c.code}`;
}

/** The most telling output line: the last one that looks like an error, else the last non-empty one. */
export function telltaleLine(lines: readonly string[]): string | undefined {
  const meaningful = lines.filter(
    (l) => l.trim() !== "" && !/^(starting|exited with|stopping|killing)/.test(l),
  );
  const errorish = [...meaningful]
    .reverse()
    .find((l) => /error|exception|fatal|traceback|failed|missing/i.test(l));
  const line = errorish ?? meaningful[meaningful.length - 1];
  if (line === undefined) return undefined;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

export function crashSentence(input: HintInput): string | undefined {
  const { crash, now } = input;
  const last = crash.last;
  if (!crash.looping || last === undefined) return undefined;
  const line = telltaleLine(last.lastLines);
  const wait =
    crash.nextStartAt !== undefined && crash.nextStartAt > now
      ? `; next attempt in ${Math.ceil((crash.nextStartAt - now) / 1000)} s`
      : "; retrying";
  return (
    `workers keep crashing (${crash.consecutive} in a row): worker ${last.workerId} ${describeExit(last)}` +
    (line ? `: ${line}` : "") +
    wait
  );
}

/** Why a queued job of this endpoint is still waiting, or undefined when nothing unusual is going on. */
export function queueHint(input: HintInput): string | undefined {
  const crash = crashSentence(input);
  if (crash) return crash;
  const { settings, counts, managed } = input;
  const live = counts.initializing + counts.idle + counts.running;
  if (settings.workersMax === 0) return "the endpoint has workersMax 0: no worker will run this job";
  if (!managed && live === 0)
    return "no worker is connected to this endpoint (workers are started outside Gantry)";
  if (counts.initializing > 0 && counts.idle === 0) {
    return `waiting for ${counts.initializing === 1 ? "a worker" : `${counts.initializing} workers`} to start (cold start)`;
  }
  if (counts.idle === 0 && counts.running >= settings.workersMax) {
    return `all ${counts.running} workers are busy (workersMax ${settings.workersMax})`;
  }
  return undefined;
}

/** Lines for `/health`: crash loops and unhealthy workers. */
export function healthHints(input: HintInput, unhealthyWorkers: readonly string[]): string[] {
  const out: string[] = [];
  const crash = crashSentence(input);
  if (crash) out.push(crash);
  out.push(...unhealthyWorkers);
  return out;
}
