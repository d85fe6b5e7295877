/** `gantry retry <endpoint> <job>`: requeues a FAILED or TIMED_OUT job under the same id. */
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { colourStatus, compactJson } from "../job-view.js";
import { parseEndpointId } from "../options.js";
import { parseJobId, withRemote } from "../remote-action.js";
import { endpointClient, type RemoteFlags, withRemoteOptions } from "../remote-options.js";
import { styleFor } from "../style.js";

export function registerRetry(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command("retry")
    .description("requeue a FAILED or TIMED_OUT job with its original input")
    .argument("<endpoint>", "endpoint id", parseEndpointId)
    .argument("<job>", "job id", parseJobId);
  withRemoteOptions(cmd).action(async (endpointId: string, jobId: string, flags: RemoteFlags) => {
    await withRemote(flags, io, async (remote) => {
      const ack = await endpointClient(remote, endpointId).retry(jobId);
      if (remote.json) {
        io.stdout.write(`${compactJson(ack)}\n`);
        return;
      }
      const s = styleFor(io.stdout, io.env);
      io.stdout.write(
        `job ${ack.id} requeued: ${colourStatus(ack.status, s)} (follow it with gantry status ${endpointId} ${ack.id})\n`,
      );
    });
    setExit(0);
  });
}
