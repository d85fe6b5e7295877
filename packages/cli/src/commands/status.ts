/** `gantry status <endpoint> <job>`: a job's state, timings, progress or output, and error. */
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { compactJson, errorText, prettyJson, statusLine } from "../job-view.js";
import { parseEndpointId } from "../options.js";
import { progressText } from "../progress-value.js";
import { parseJobId, withRemote } from "../remote-action.js";
import { endpointClient, type RemoteFlags, withRemoteOptions } from "../remote-options.js";
import { styleFor } from "../style.js";

export function registerStatus(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command("status")
    .description("show a job's status, timings and output")
    .argument("<endpoint>", "endpoint id", parseEndpointId)
    .argument("<job>", "job id", parseJobId);
  withRemoteOptions(cmd).action(async (endpointId: string, jobId: string, flags: RemoteFlags) => {
    await withRemote(flags, io, async (remote) => {
      const job = await endpointClient(remote, endpointId).status(jobId);
      if (remote.json) {
        io.stdout.write(`${compactJson(job)}\n`);
        return;
      }
      const s = styleFor(io.stdout, io.env);
      const lines = [`job ${job.id} ${statusLine(job, s)}`];
      if (job.hint) lines.push(`${s.yellow("hint:")} ${job.hint}`);
      if (job.status === "IN_PROGRESS" && job.output !== undefined)
        lines.push(`progress: ${progressText(job.output)}`);
      if (job.status === "FAILED" || job.error !== undefined)
        lines.push(`${s.red("error:")} ${errorText(job.error, true)}`);
      if (job.status !== "IN_PROGRESS" && job.output !== undefined)
        lines.push("output:", prettyJson(job.output));
      io.stdout.write(`${lines.join("\n")}\n`);
    });
    setExit(0);
  });
}
