/** `gantry purge <endpoint>`: drops every queued job (running ones continue), after a confirmation. */
import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import type { CliIo } from "../io.js";
import { compactJson } from "../job-view.js";
import { parseEndpointId } from "../options.js";
import { withRemote } from "../remote-action.js";
import { endpointClient, type RemoteFlags, withRemoteOptions } from "../remote-options.js";

interface PurgeFlags extends RemoteFlags {
  yes?: boolean;
}

async function confirm(question: string, io: CliIo): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function registerPurge(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command("purge")
    .description("remove every queued job of an endpoint (running jobs continue)")
    .argument("<endpoint>", "endpoint id", parseEndpointId)
    .option("-y, --yes", "do not ask for confirmation");
  withRemoteOptions(cmd).action(async (endpointId: string, flags: PurgeFlags) => {
    await withRemote(flags, io, async (remote) => {
      const endpoint = endpointClient(remote, endpointId);
      if (!flags.yes) {
        if (!process.stdin.isTTY)
          throw new UsageError(
            `refusing to purge ${endpointId} without --yes (no terminal to ask for confirmation)`,
          );
        const queued = (await endpoint.health()).jobs.inQueue;
        if (queued === 0) {
          io.stdout.write(`no queued jobs on ${endpointId}; nothing to purge\n`);
          return;
        }
        if (!(await confirm(`Remove ${queued} queued job(s) of ${endpointId}? [y/N] `, io))) {
          io.stderr.write("not purged\n");
          return;
        }
      }
      const r = await endpoint.purgeQueue();
      if (remote.json) io.stdout.write(`${compactJson(r)}\n`);
      else
        io.stdout.write(`removed ${r.removed} queued job${r.removed === 1 ? "" : "s"} from ${endpointId}\n`);
    });
    setExit(0);
  });
}
