/**
 * A Gantry server in its own process, so the benchmark can read the server's CPU time and memory apart from
 * the load generator's. Driven over IPC by `gantry-server.ts`: start → ready, usage, fill, close.
 */
const { startServer } = (await import(process.env.GANTRY_SERVER_ENTRY ?? "@gantry/server")) as typeof import("@gantry/server");
type GantryServer = Awaited<ReturnType<typeof startServer>>;

type Command =
  | { id: number; type: "start"; config: unknown }
  | { id: number; type: "usage" }
  | { id: number; type: "fill"; endpointId: string; count: number }
  | { id: number; type: "close" };

let server: GantryServer | undefined;

const reply = (id: number, body: Record<string, unknown>): void => {
  process.send?.({ id, ...body });
};

async function fill(endpointId: string, count: number): Promise<number> {
  if (!server) throw new Error("server not started");
  // Straight into the engine: the HTTP enqueue rate is measured separately, this only builds the backlog.
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const r = await server.engine.submit({ endpointId, input: { n: i }, sync: false });
    if (!r.ok) throw new Error(`fill stopped at ${i}: ${r.error}`);
  }
  return performance.now() - started;
}

async function handle(cmd: Command): Promise<void> {
  switch (cmd.type) {
    case "start":
      server = await startServer({ config: cmd.config, env: {} });
      reply(cmd.id, { url: server.url, publicUrl: server.publicUrl, workerSecret: server.workerSecret });
      return;
    case "usage": {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      reply(cmd.id, { cpuMicros: cpu.user + cpu.system, rss: mem.rss, heapUsed: mem.heapUsed });
      return;
    }
    case "fill":
      reply(cmd.id, { ms: await fill(cmd.endpointId, cmd.count) });
      return;
    case "close":
      await server?.close();
      reply(cmd.id, {});
      // Exiting writes the --cpu-prof profile when one was asked for.
      setImmediate(() => process.exit(0));
      return;
  }
}

process.on("message", (msg: Command) => {
  handle(msg).catch((err: unknown) => {
    reply(msg.id, { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  });
});
process.on("disconnect", () => {
  // The benchmark died: do not linger holding a port and a data dir.
  void (server?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
