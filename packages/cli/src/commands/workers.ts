/** `gantry workers <endpoint>`: the endpoint's workers from the admin API, as a table. */
import type { AdminWorkerView } from "@gantry/protocol";
import type { Command } from "commander";
import { AdminApi } from "../admin-api.js";
import type { CliIo } from "../io.js";
import { compactJson } from "../job-view.js";
import { parseEndpointId } from "../options.js";
import { withRemote } from "../remote-action.js";
import { type RemoteFlags, withRemoteOptions } from "../remote-options.js";
import { type Style, styleFor } from "../style.js";
import { formatAge, formatMs, renderTable } from "../table.js";

function stateCell(w: AdminWorkerView, s: Style): string {
  const colour = w.state === "unhealthy" ? s.red : w.state === "running" ? s.green : (x: string) => x;
  const why = w.stopping
    ? ` (stopping: ${w.stopping})`
    : w.reason
      ? ` (${w.reason})`
      : w.recycle
        ? " (recycling)"
        : "";
  return `${colour(w.state)}${why}`;
}

export function workersTable(workers: readonly AdminWorkerView[], s: Style, now = Date.now()): string {
  const rows = workers.map((w) => [
    w.id,
    stateCell(w, s),
    w.pid === undefined ? (w.managed ? "-" : "external") : String(w.pid),
    w.concurrency > 1 ? `${w.jobs}/${w.concurrency}` : String(w.jobs),
    formatAge(w.startedAt, now),
    formatMs(w.coldStartMs),
  ]);
  return renderTable(
    ["ID", "STATE", "PID", "JOBS", "STARTED", "COLD START"].map((h) => s.bold(h)),
    rows,
  );
}

export function registerWorkers(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command("workers")
    .description("list an endpoint's workers (admin API)")
    .argument("<endpoint>", "endpoint id", parseEndpointId);
  withRemoteOptions(cmd).action(async (endpointId: string, flags: RemoteFlags) => {
    await withRemote(flags, io, async (remote) => {
      const list = await new AdminApi(remote).workers(endpointId);
      if (remote.json) {
        io.stdout.write(`${compactJson(list)}\n`);
        return;
      }
      const s = styleFor(io.stdout, io.env);
      if (list.workers.length === 0) {
        const why = list.managed
          ? "Gantry starts them when jobs arrive (or keeps workersMin running)"
          : "the endpoint has no worker.command: start workers yourself and point them at this server";
        io.stdout.write(`no workers on ${endpointId}; ${why}\n`);
        return;
      }
      io.stdout.write(`${workersTable(list.workers, s)}\n`);
    });
    setExit(0);
  });
}
