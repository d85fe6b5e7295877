/** `gantry cancel <endpoint> <job>`: removes a queued job or stops a running one. */
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { colourStatus, compactJson } from "../job-view.js";
import { parseEndpointId } from "../options.js";
import { parseJobId, withRemote } from "../remote-action.js";
import { endpointClient, type RemoteFlags, withRemoteOptions } from "../remote-options.js";
import { styleFor } from "../style.js";

export function registerCancel(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command("cancel")
    .description("cancel a queued or running job")
    .argument("<endpoint>", "endpoint id", parseEndpointId)
    .argument("<job>", "job id", parseJobId);
  withRemoteOptions(cmd).action(async (endpointId: string, jobId: string, flags: RemoteFlags) => {
    await withRemote(flags, io, async (remote) => {
      const ack = await endpointClient(remote, endpointId).cancel(jobId);
      if (remote.json) {
        io.stdout.write(`${compactJson(ack)}\n`);
        return;
      }
      const s = styleFor(io.stdout, io.env);
      // Cancelling a finished job answers its final state, which is worth saying plainly.
      const text =
        ack.status === "CANCELLED"
          ? `job ${ack.id} ${colourStatus(ack.status, s)}`
          : `job ${ack.id} had already ended ${colourStatus(ack.status, s)}; nothing to cancel`;
      io.stdout.write(`${text}\n`);
    });
    setExit(0);
  });
}
