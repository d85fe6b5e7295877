/**
 * `gantry demo`: the quick start. Starts the platform on SQLite in a temporary directory with example endpoints
 * whose workers the platform itself starts (local process provider, autoscaler), then walks through the main
 * ways of calling an endpoint — `/runsync`, `/run` + live streaming over server-sent events, a job reporting
 * progress, `/health` — printing what happens, and stops everything.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { isTerminalStatus, type JobView } from "@gantry/protocol";
import { type EndpointConfigInput, type LocalPlatform, startLocalPlatform } from "@gantry/server";
import type { Command } from "commander";
import { CommandFailed } from "../errors.js";
import { handlerCommand } from "../handler-command.js";
import { callJson, readEvents } from "../http.js";
import type { CliIo } from "../io.js";
import { type Style, styleFor } from "../style.js";

interface DemoFlags {
  json?: boolean;
  timeout: number;
}

/** The examples folder of the repository (next to packages/), or of the current directory. */
function findExamples(cwd: string): string | undefined {
  const candidates = [
    fileURLToPath(new URL("../../../../examples/", import.meta.url)),
    join(cwd, "examples"),
  ];
  return candidates.find(
    (d) => existsSync(join(d, "basic", "handler.ts")) || existsSync(join(d, "token-streaming")),
  );
}

interface DemoPlan {
  endpoints: EndpointConfigInput[];
  /** Endpoint id → handler file shown to the user. */
  handlers: Map<string, string>;
  streaming: boolean;
  progress: boolean;
}

function plan(examples: string, cwd: string, env: NodeJS.ProcessEnv): DemoPlan {
  const handlers = new Map<string, string>();
  const tokens = join(examples, "token-streaming", "handler.ts");
  const basic = join(examples, "basic", "handler.ts");
  const progress = join(examples, "progress", "handler.ts");
  const streaming = existsSync(tokens);
  handlers.set("tokens", streaming ? tokens : basic);
  if (existsSync(progress)) handlers.set("progress", progress);
  const endpoints: EndpointConfigInput[] = [...handlers].map(([id, file]) => {
    const run = handlerCommand(file, cwd, env);
    return {
      id,
      executionTimeoutMs: 60_000,
      // One warm worker each: the demo shows a cold start once, then fast jobs.
      scaling: { workersMin: 1, workersMax: 1, idleTimeoutS: 60 },
      worker: { command: [run.command, ...run.args] },
    };
  });
  return { endpoints, handlers, streaming, progress: handlers.has("progress") };
}

const ms = (n: number | undefined): string => (n === undefined ? "?" : `${Math.round(n)} ms`);
const short = (v: unknown, max = 160): string => {
  const s = JSON.stringify(v) ?? "undefined";
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

/** Text of a token-streaming job: the concatenated tokens of its chunks (aggregated output or stream). */
function tokensText(chunks: unknown[]): string | undefined {
  const tokens = chunks.map((c) =>
    typeof c === "object" && c !== null && typeof (c as { token?: unknown }).token === "string"
      ? (c as { token: string }).token
      : undefined,
  );
  return tokens.every((t) => t !== undefined) ? tokens.join("").trim() : undefined;
}

class Demo {
  readonly summary: Record<string, unknown> = {};
  constructor(
    readonly io: CliIo,
    readonly s: Style,
    readonly json: boolean,
    readonly base: string,
  ) {}

  say(text = ""): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  write(text: string): void {
    if (!this.json) this.io.stdout.write(text);
  }

  describe(view: JobView): string {
    const color = view.status === "COMPLETED" ? this.s.green : this.s.red;
    return `${color(view.status)} ${this.s.dim(
      `(waited ${ms(view.delayTime)} in queue, ran ${ms(view.executionTime)} on ${view.workerId ?? "?"})`,
    )}`;
  }

  async post(path: string, body: unknown): Promise<JobView> {
    const r = await callJson<JobView>("POST", `${this.base}${path}`, body);
    if (r.status !== 200) throw new CommandFailed(`POST ${path} answered ${r.status}: ${short(r.body)}`);
    return r.body;
  }

  async runsync(endpoint: string, input: unknown): Promise<void> {
    this.say(this.s.bold(`1. Synchronous job: POST /v2/${endpoint}/runsync`));
    this.say(`   input: ${short(input)}`);
    const t0 = Date.now();
    const view = await this.post(`/v2/${endpoint}/runsync?wait=60000`, { input });
    if (!isTerminalStatus(view.status))
      throw new CommandFailed(`runsync job ${view.id} is still ${view.status} after 60 s`);
    this.say(
      `   ${this.describe(view)} — ${Date.now() - t0} ms round trip, including the worker's cold start`,
    );
    const text = Array.isArray(view.output) ? tokensText(view.output) : undefined;
    this.say(text !== undefined ? `   text: "${text}"` : `   output: ${short(view.output, 400)}`);
    this.say();
    this.summary.runsync = view;
    if (view.status !== "COMPLETED")
      throw new CommandFailed(`runsync job ended ${view.status}: ${short(view.error)}`);
  }

  /** Reads a job's event stream to its end, passing the outputs of `event` events; resolves with the final view. */
  async follow(
    endpoint: string,
    id: string,
    event: "chunk" | "progress",
    onOutput: (output: unknown) => void,
  ): Promise<JobView> {
    let final: JobView | undefined;
    await readEvents(`${this.base}/v2/${endpoint}/stream/${id}`, (e) => {
      const data = JSON.parse(e.data) as Record<string, unknown>;
      if (e.event === event) onOutput(data.output);
      else if (e.event === "status") final = data as unknown as JobView;
    });
    this.say();
    if (!final || !isTerminalStatus(final.status))
      throw new CommandFailed(`the event stream of ${id} ended early`);
    return final;
  }

  async streamed(endpoint: string, input: unknown): Promise<void> {
    this.say(
      this.s.bold(`2. Asynchronous job with live streaming: POST /v2/${endpoint}/run, then its event stream`),
    );
    const queued = await this.post(`/v2/${endpoint}/run`, { input });
    this.say(`   job ${queued.id} is ${queued.status}`);
    this.say(`   GET /v2/${endpoint}/stream/${queued.id} (Accept: text/event-stream):`);
    this.write("   ");
    const chunks: unknown[] = [];
    const final = await this.follow(endpoint, queued.id, "chunk", (output) => {
      chunks.push(output);
      // The raw token, spaces included: the text builds up as the model writes it.
      const token = (output as { token?: unknown } | null)?.token;
      this.write(typeof token === "string" ? token : `${short(output)} `);
    });
    this.say(`   ${this.describe(final)}; ${chunks.length} chunks streamed as they were produced`);
    const last = chunks.at(-1) as { usage?: unknown } | undefined;
    if (last?.usage !== undefined) this.say(`   last chunk: ${short(last)}`);
    this.say();
    this.summary.stream = { job: final, chunks: chunks.length, text: tokensText(chunks) };
    if (final.status !== "COMPLETED")
      throw new CommandFailed(`streaming job ended ${final.status}: ${short(final.error)}`);
  }

  async progress(endpoint: string, input: unknown): Promise<void> {
    this.say(this.s.bold(`3. Job reporting progress: POST /v2/${endpoint}/run`));
    this.say(`   input: ${short(input)}`);
    const queued = await this.post(`/v2/${endpoint}/run`, { input });
    this.write(`   job ${queued.id}: progress`);
    const seen: unknown[] = [];
    const final = await this.follow(endpoint, queued.id, "progress", (output) => {
      seen.push(output);
      this.write(` ${typeof output === "number" ? `${output}%` : short(output, 40)}`);
    });
    this.say(`   ${this.describe(final)} after ${seen.length} progress updates`);
    this.say(`   output: ${short(final.output, 400)}`);
    this.say();
    this.summary.progress = { job: final, updates: seen };
    if (final.status !== "COMPLETED")
      throw new CommandFailed(`progress job ended ${final.status}: ${short(final.error)}`);
  }

  async health(endpoints: string[]): Promise<void> {
    this.say(this.s.bold("4. Endpoint health: GET /v2/{endpoint}/health"));
    const all: Record<string, unknown> = {};
    for (const id of endpoints) {
      const r = await callJson<{ jobs: Record<string, number>; workers: Record<string, number> }>(
        "GET",
        `${this.base}/v2/${id}/health`,
      );
      all[id] = r.body;
      const { jobs, workers } = r.body;
      this.say(
        `   ${id}: jobs completed ${jobs.completed}, failed ${jobs.failed}, in queue ${jobs.inQueue}; ` +
          `workers ready ${workers.ready}, running ${workers.running}`,
      );
    }
    this.say();
    this.summary.health = all;
  }
}

export function registerDemo(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command("demo")
    .description("start a throw-away platform with example workers and run a few jobs through it")
    .option("--json", "print one JSON summary instead of the narrated run")
    .option("--timeout <seconds>", "give up after this long", (v) => Number(v), 120)
    .action(async (flags: DemoFlags) => {
      const examples = findExamples(io.cwd);
      if (!examples)
        throw new CommandFailed("cannot find the examples folder (run the demo from the Gantry repository)");
      const steps = plan(examples, io.cwd, io.env);
      const dataDir = mkdtempSync(join(tmpdir(), "gantry-demo-"));
      const s = styleFor(io.stdout, io.env);
      const json = flags.json === true;
      const started = Date.now();
      let platform: LocalPlatform | undefined;
      const timeoutS = Number.isFinite(flags.timeout) && flags.timeout > 0 ? flags.timeout : 120;
      let timer: NodeJS.Timeout | undefined;
      try {
        platform = await startLocalPlatform({
          host: "127.0.0.1",
          port: 0,
          dataDir,
          endpoints: steps.endpoints,
          supervise: true,
          parentEnv: io.env,
          logLevel: "error",
        });
        const demo = new Demo(io, s, json, platform.url);
        demo.say(s.bold("Gantry demo"));
        demo.say(`   platform: ${platform.url} (jobs in SQLite: ${join(dataDir, "gantry.db")})`);
        for (const [id, file] of steps.handlers) {
          demo.say(
            `   endpoint ${s.cyan(id)}: worker ${relative(io.cwd, file) || file}, started by the platform`,
          );
        }
        demo.say();
        const run = async (): Promise<void> => {
          const tokensInput = steps.streaming
            ? { prompt: "Every evening the keeper climbed the narrow", max_tokens: 24 }
            : { text: "The quick brown fox jumps over the lazy dog. The dog sleeps." };
          await demo.runsync("tokens", tokensInput);
          await demo.streamed(
            "tokens",
            steps.streaming ? { prompt: "The lighthouse", max_tokens: 40 } : tokensInput,
          );
          if (steps.progress)
            await demo.progress("progress", { items: [10, 1000, 100000, 1000000, 3000000] });
          await demo.health([...steps.handlers.keys()]);
        };
        await Promise.race([
          run(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new CommandFailed(`the demo did not finish within ${timeoutS} s`)),
              timeoutS * 1000,
            );
          }),
        ]);
        demo.say("Stopping the workers and the platform…");
        await platform.close();
        platform = undefined;
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        demo.say(
          s.green(`Done in ${seconds} s.`) +
            " Next: gantry dev <handler.ts> runs your own handler the same way.",
        );
        if (json)
          io.stdout.write(`${JSON.stringify({ ok: true, seconds: Number(seconds), ...demo.summary })}\n`);
        setExit(0);
      } finally {
        clearTimeout(timer);
        await platform?.close().catch(() => undefined);
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
}
