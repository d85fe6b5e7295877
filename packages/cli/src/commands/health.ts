/** `gantry health <endpoint>`: job and worker counts as a table, with the server's hints and a few of our own. */
import type { HealthStatus } from "@gantry/client";
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { compactJson } from "../job-view.js";
import { parseEndpointId } from "../options.js";
import { withRemote } from "../remote-action.js";
import { endpointClient, type RemoteFlags, withRemoteOptions } from "../remote-options.js";
import type { Style } from "../style.js";
import { styleFor } from "../style.js";
import { renderTable } from "../table.js";

const JOB_ROWS: [string, keyof HealthStatus["jobs"]][] = [
  ["in queue", "inQueue"],
  ["in progress", "inProgress"],
  ["completed", "completed"],
  ["failed", "failed"],
  ["retried", "retried"],
  ["cancelled", "cancelled"],
  ["timed out", "timedOut"],
];

const WORKER_ROWS: [string, keyof HealthStatus["workers"]][] = [
  ["ready", "ready"],
  ["idle", "idle"],
  ["running", "running"],
  ["initializing", "initializing"],
  ["throttled", "throttled"],
  ["unhealthy", "unhealthy"],
];

/** What a person would want to know next, derived from the counts. */
export function healthHints(endpointId: string, h: HealthStatus): string[] {
  const hints = [...(h.hints ?? [])];
  const w = h.workers;
  const alive =
    (w.idle ?? 0) + (w.running ?? 0) + (w.initializing ?? 0) + (w.ready ?? 0) + (w.throttled ?? 0);
  if (h.jobs.inQueue > 0 && alive === 0)
    hints.push(
      `${h.jobs.inQueue} job(s) wait and no worker is connected: give the endpoint a worker.command in the ` +
        "config, or start a worker pointed at this server",
    );
  if ((w.unhealthy ?? 0) > 0 && hints.length === (h.hints ?? []).length)
    hints.push(
      `${w.unhealthy} unhealthy worker(s): see gantry workers ${endpointId} and gantry logs ${endpointId}`,
    );
  if (h.jobs.failed > 0 && h.jobs.failed >= h.jobs.completed && h.jobs.completed + h.jobs.failed >= 3)
    hints.push("as many jobs failed as completed: check the worker's logs (gantry logs)");
  return hints;
}

function render(endpointId: string, h: HealthStatus, s: Style): string {
  const n = (v: number | undefined) => (v === undefined ? "-" : String(v));
  const rows: string[][] = [];
  for (let i = 0; i < Math.max(JOB_ROWS.length, WORKER_ROWS.length); i++) {
    const j = JOB_ROWS[i];
    const w = WORKER_ROWS[i];
    rows.push([j ? j[0] : "", j ? n(h.jobs[j[1]]) : "", w ? w[0] : "", w ? n(h.workers[w[1]]) : ""]);
  }
  const table = renderTable([s.bold("JOBS"), "", s.bold("WORKERS"), ""], rows);
  const hints = healthHints(endpointId, h).map((x) => `${s.yellow("hint:")} ${x}`);
  return [`${s.bold(endpointId)}`, table, ...(hints.length > 0 ? ["", ...hints] : [])].join("\n");
}

export function registerHealth(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command("health")
    .description("show an endpoint's job and worker counts")
    .argument("<endpoint>", "endpoint id", parseEndpointId);
  withRemoteOptions(cmd).action(async (endpointId: string, flags: RemoteFlags) => {
    await withRemote(flags, io, async (remote) => {
      const h = await endpointClient(remote, endpointId).health();
      io.stdout.write(
        remote.json ? `${compactJson(h)}\n` : `${render(endpointId, h, styleFor(io.stdout, io.env))}\n`,
      );
    });
    setExit(0);
  });
}
