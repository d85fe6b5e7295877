/**
 * `gantry logs <endpoint> [worker]`: the output of workers Gantry started (admin API). Without a worker id, every
 * worker of the endpoint, each line prefixed with its worker. `--follow` keeps printing new lines: for one worker
 * until its process ends, for a whole endpoint (picking up workers as they start) until interrupted.
 */
import type { WorkerExitView, WorkerLogLine } from "@gantry/protocol";
import type { Command } from "commander";
import { AdminApi } from "../admin-api.js";
import { CommandFailed } from "../errors.js";
import type { CliIo } from "../io.js";
import { compactJson } from "../job-view.js";
import { parseEndpointId } from "../options.js";
import { parseCount, parseWorkerId, withRemote } from "../remote-action.js";
import { type RemoteFlags, withRemoteOptions } from "../remote-options.js";
import { type Style, styleFor } from "../style.js";

interface LogsFlags extends RemoteFlags {
  follow?: boolean;
  tail: number;
}

/** How often an endpoint-wide follow looks for newly started workers. */
const DISCOVER_MS = 2_000;

class LogPrinter {
  constructor(
    readonly io: CliIo,
    readonly s: Style,
    readonly json: boolean,
    readonly prefixed: boolean,
  ) {}

  private prefix(workerId: string): string {
    return this.prefixed ? `${this.s.cyan(`[${workerId}]`)} ` : "";
  }

  line(workerId: string, l: WorkerLogLine): void {
    if (this.json) {
      this.io.stdout.write(`${compactJson({ workerId, ...l })}\n`);
      return;
    }
    const text =
      l.stream === "system" ? this.s.dim(l.line) : l.stream === "stderr" ? this.s.yellow(l.line) : l.line;
    this.io.stdout.write(`${this.prefix(workerId)}${text}\n`);
  }

  exit(workerId: string, exit: WorkerExitView): void {
    if (this.json) {
      this.io.stdout.write(`${compactJson({ workerId, exit })}\n`);
      return;
    }
    const how = exit.why ?? (exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`);
    this.io.stdout.write(`${this.prefix(workerId)}${this.s.dim(`worker ${workerId} exited: ${how}`)}\n`);
  }
}

async function follow(
  api: AdminApi,
  workerId: string,
  tail: number,
  printer: LogPrinter,
  signal: AbortSignal,
): Promise<void> {
  for await (const e of api.followLogs(workerId, tail, signal)) {
    let data: unknown;
    try {
      data = JSON.parse(e.data);
    } catch {
      continue;
    }
    if (e.event === "line") printer.line(workerId, data as WorkerLogLine);
    else if (e.event === "exit") printer.exit(workerId, data as WorkerExitView);
  }
}

/** Aborts on Ctrl+C or SIGTERM, so a follow ends cleanly (exit 0) instead of being cut mid-line. */
function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  };
}

export function registerLogs(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command("logs")
    .description("print the output of an endpoint's workers (those Gantry started)")
    .argument("<endpoint>", "endpoint id", parseEndpointId)
    .argument("[worker]", "one worker id (default: every worker of the endpoint)", parseWorkerId)
    .option("-f, --follow", "keep printing new lines as they are written")
    .option(
      "-n, --tail <lines>",
      "how many of the latest lines to show first (0–1000)",
      parseCount(1000),
      100,
    );
  withRemoteOptions(cmd).action(
    async (endpointId: string, workerId: string | undefined, flags: LogsFlags) => {
      await withRemote(flags, io, async (remote) => {
        const api = new AdminApi(remote);
        const s = styleFor(io.stdout, io.env);
        const printer = new LogPrinter(io, s, remote.json, workerId === undefined);
        if (workerId !== undefined) {
          const logs = await api.logs(workerId, flags.tail);
          if (logs.endpointId !== endpointId)
            throw new CommandFailed(
              `worker ${workerId} belongs to endpoint ${logs.endpointId}, not ${endpointId}`,
            );
          if (!flags.follow) {
            for (const l of logs.lines) printer.line(workerId, l);
            if (logs.exit) printer.exit(workerId, logs.exit);
            return;
          }
          const interrupt = interruptSignal();
          try {
            await follow(api, workerId, flags.tail, printer, interrupt.signal);
          } finally {
            interrupt.dispose();
          }
          return;
        }

        const list = await api.workers(endpointId);
        const managed = list.workers.filter((w) => w.managed);
        const external = list.workers.filter((w) => !w.managed);
        if (!remote.json && external.length > 0)
          io.stderr.write(
            `note: ${external.map((w) => w.id).join(", ")} started outside Gantry; their logs are wherever they run\n`,
          );
        if (!flags.follow) {
          if (managed.length === 0 && !remote.json) {
            io.stderr.write(`no workers Gantry started are running on ${endpointId}\n`);
            return;
          }
          const all = await Promise.all(managed.map((w) => api.logs(w.id, flags.tail)));
          const merged = all.flatMap((l) => l.lines.map((line) => ({ workerId: l.workerId, line })));
          merged.sort((a, b) => a.line.at - b.line.at);
          for (const m of merged) printer.line(m.workerId, m.line);
          return;
        }

        const interrupt = interruptSignal();
        const followed = new Map<string, Promise<void>>();
        const attach = (id: string) => {
          if (followed.has(id)) return;
          followed.set(
            id,
            follow(api, id, flags.tail, printer, interrupt.signal).catch((err: unknown) => {
              if (!interrupt.signal.aborted && !remote.json)
                io.stderr.write(`gantry: stopped following ${id}: ${(err as Error).message}\n`);
            }),
          );
        };
        try {
          for (const w of managed) attach(w.id);
          if (!remote.json)
            io.stderr.write(`following ${endpointId} (${managed.length} worker(s) now; Ctrl+C to stop)\n`);
          while (!interrupt.signal.aborted) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, DISCOVER_MS);
              interrupt.signal.addEventListener(
                "abort",
                () => {
                  clearTimeout(t);
                  resolve();
                },
                { once: true },
              );
            });
            if (interrupt.signal.aborted) break;
            const now = await api.workers(endpointId).catch(() => undefined);
            for (const w of now?.workers ?? []) if (w.managed) attach(w.id);
          }
          await Promise.all(followed.values());
        } finally {
          interrupt.dispose();
        }
      });
      setExit(0);
    },
  );
}
