/**
 * `gantry run <endpoint>`: submits a job, follows it (progress bar on a terminal, chunks with `--stream`), prints
 * its output, and exits with a code that says how it ended (see exit-codes.ts).
 */
import { type ExecutionPolicy, GantryTimeoutError, type Job, type JobStatus } from "@gantry/client";
import { EXECUTION_TIMEOUT_RANGE, type MsRange, TTL_RANGE } from "@gantry/protocol";
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { EXIT, exitCodeFor } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { readJobInput } from "../job-input.js";
import { ChunkPrinter, compactJson, errorText, prettyJson, statusLine } from "../job-view.js";
import { parseEndpointId } from "../options.js";
import { ProgressReporter, progressMode } from "../progress-bar.js";
import { parsePolicyMs, parsePositiveSeconds, parseWebhook, withRemote } from "../remote-action.js";
import { endpointClient, type RemoteFlags, withRemoteOptions } from "../remote-options.js";
import { styleFor } from "../style.js";

interface RunFlags extends RemoteFlags {
  input?: string;
  sync?: boolean;
  stream?: boolean;
  timeout?: number;
  webhook?: string;
  lowPriority?: boolean;
  executionTimeout?: number;
  ttl?: number;
  verbose?: boolean;
}

const range = (r: MsRange): string => `${r.min} to ${r.max}`;

/** `--sync` without `--timeout`: wait as long as a job may live. */
const NO_LIMIT_MS = 7 * 24 * 3600 * 1000;

/** Progress values, from the event stream when the server has one, else by polling `/status`. */
async function watchProgress(job: Job, signal: AbortSignal, onValue: (v: unknown) => void): Promise<void> {
  for (const transport of ["sse", "poll"] as const) {
    try {
      for await (const p of job.progressUpdates({ transport, signal, intervalMs: 500 })) onValue(p);
      return;
    } catch {
      // Progress is decoration: a failure here must not end the run; waiting for the result reports real errors.
      if (signal.aborted) return;
    }
  }
}

export function registerRun(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const cmd = program
    .command("run")
    .description("submit a job to an endpoint, follow it, and print its output")
    .argument("<endpoint>", "endpoint id", parseEndpointId)
    .option(
      "-i, --input <json|@file|->",
      "the job input: JSON text, @file.json, or - for stdin (default: stdin)",
    )
    .option("--sync", "submit with /runsync (the server holds the request until the job ends)")
    .option("--stream", "print the chunks a streaming handler yields as they arrive")
    .option(
      "--timeout <seconds>",
      "stop waiting after this long (the job keeps running; exit 5)",
      parsePositiveSeconds,
    )
    .option("--webhook <url>", "URL the server posts the final job to", parseWebhook)
    .option("--low-priority", "run only when nothing of higher priority waits")
    .option(
      "--execution-timeout <ms>",
      `fail the job if it runs longer than this (${range(EXECUTION_TIMEOUT_RANGE)})`,
      parsePolicyMs("executionTimeout"),
    )
    .option(
      "--ttl <ms>",
      `total lifetime of the job, after which it is deleted (${range(TTL_RANGE)})`,
      parsePolicyMs("ttl"),
    )
    .option("-v, --verbose", "report the job id and progress on stderr even when it is not a terminal");
  withRemoteOptions(cmd)
    .addHelpText(
      "after",
      [
        "",
        "Exit codes: 0 COMPLETED, 1 FAILED (or the command failed), 2 usage error, 3 TIMED_OUT, 4 CANCELLED,",
        "            5 --timeout passed while the job was still running",
        "",
        "Examples:",
        `  gantry run hello --input '{"name": "Ada"}'`,
        "  gantry run hello --input @test_input.json --json",
        `  echo '{"prompt": "Once"}' | gantry run llm --stream`,
      ].join("\n"),
    )
    .action(async (endpointId: string, flags: RunFlags) => {
      if (flags.sync && flags.stream) throw new UsageError("--sync and --stream cannot be combined");
      const input = await readJobInput(flags.input, io.cwd);
      const policy: ExecutionPolicy = {};
      if (flags.executionTimeout !== undefined) policy.executionTimeout = flags.executionTimeout;
      if (flags.ttl !== undefined) policy.ttl = flags.ttl;
      if (flags.lowPriority) policy.lowPriority = true;
      const runOptions = {
        ...(flags.webhook !== undefined ? { webhook: flags.webhook } : {}),
        ...(Object.keys(policy).length > 0 ? { policy } : {}),
      };
      const timeoutMs = flags.timeout === undefined ? undefined : Math.round(flags.timeout * 1000);
      const json = flags.json === true;
      const verbose = flags.verbose === true;
      const err = styleFor(io.env.GANTRY_FORCE_TTY === "1" ? { isTTY: true } : io.stderr, io.env);
      const reported = (io.stderr as { columns?: number }).columns;
      // A pseudo-terminal without a size (script, CI) reports 0 columns.
      const columns = reported !== undefined && reported > 0 ? reported : 80;
      const mode = progressMode(io.stderr, io.env, verbose);
      const note = (text: string) => {
        if (!json && (mode === "bar" || verbose)) io.stderr.write(`${text}\n`);
      };

      await withRemote(flags, io, async (remote) => {
        const endpoint = endpointClient(remote, endpointId);
        let final: JobStatus;
        let printer: ChunkPrinter | undefined;
        let reporter: ProgressReporter | undefined;
        try {
          if (flags.sync) {
            reporter = new ProgressReporter(io.stderr, mode, `${endpointId}:`, columns);
            reporter.waiting("running (sync)…");
            final = await endpoint.runSync(input, { ...runOptions, timeout: timeoutMs ?? NO_LIMIT_MS });
          } else {
            const job = await endpoint.run(input, runOptions);
            note(`job ${job.id} submitted to ${endpointId}`);
            reporter = new ProgressReporter(io.stderr, mode, `job ${job.id.slice(0, 8)}`, columns);
            reporter.waiting("waiting…");
            const startedAt = Date.now();
            const left = () =>
              timeoutMs === undefined ? undefined : Math.max(1, startedAt + timeoutMs - Date.now());
            if (flags.stream) {
              const out = new ChunkPrinter(io.stdout);
              printer = out;
              const sharesTerminal = io.stdout.isTTY === true && mode === "bar";
              const t = left();
              for await (const chunk of job.stream({
                ...(t !== undefined ? { timeout: t } : {}),
                onProgress: (v) => reporter?.update(v),
              })) {
                if (json) {
                  out.count++;
                  io.stdout.write(`${compactJson({ chunk })}\n`);
                  continue;
                }
                if (out.count === 0) sharesTerminal ? reporter.hide() : reporter.clear();
                out.write(chunk);
              }
              out.finish();
              const t2 = left();
              final = await job.wait(t2 !== undefined ? { timeout: t2 } : {});
            } else {
              const stop = new AbortController();
              const watching = watchProgress(job, stop.signal, (v) => reporter?.update(v));
              try {
                final = await job.wait(timeoutMs !== undefined ? { timeout: timeoutMs } : {});
              } finally {
                stop.abort();
                await watching;
              }
            }
          }
        } catch (e) {
          reporter?.clear();
          if (e instanceof GantryTimeoutError && e.jobId !== undefined) {
            // The wait may have ended mid long-poll, before any status was seen: ask once, for a useful message.
            const last = e.lastStatus ?? (await endpoint.status(e.jobId).catch(() => undefined));
            if (json) io.stdout.write(`${compactJson(last ?? { id: e.jobId })}\n`);
            io.stderr.write(
              `gantry: job ${e.jobId} is still ${last?.status ?? "running"} after ${flags.timeout} s; it keeps ` +
                `running on the server (gantry status ${endpointId} ${e.jobId})\n`,
            );
            setExit(EXIT.STILL_RUNNING);
            return;
          }
          throw e;
        }
        reporter?.clear();
        if (json) {
          io.stdout.write(`${compactJson(final)}\n`);
        } else {
          const streamed = printer !== undefined && printer.count > 0;
          if (final.status === "COMPLETED" && !streamed && final.output !== undefined)
            io.stdout.write(`${prettyJson(final.output)}\n`);
          io.stderr.write(`job ${final.id} ${statusLine(final, err)}\n`);
          if (final.status === "FAILED" || final.error !== undefined)
            io.stderr.write(`${err.red("error:")} ${errorText(final.error, verbose)}\n`);
        }
        setExit(exitCodeFor(final.status));
      });
    });
}
