/** `npm run bench -- [scenario…] [--smoke] [--rounds N] [--jobs N] [--store S] [--database-url URL] [--profile DIR] [--out FILE]` */
import { writeFileSync } from "node:fs";
import { parseBenchArgs } from "./args.js";
import {
  type BenchStore,
  benchDatabaseUrl,
  describeBenchStore,
  dropRunSchemas,
  postgresSettings,
  postgresStore,
  SQLITE_STORE,
} from "./bench-store.js";
import { machineTable, resultsTable } from "./report.js";
import { runBench } from "./run.js";
import { SCENARIOS } from "./scenarios/index.js";

const USAGE = `usage: npm run bench -- [scenario…] [--smoke] [--rounds N] [--jobs N] [--store sqlite|postgres]
                        [--database-url URL] [--profile DIR] [--out FILE]
scenarios: ${SCENARIOS.map((s) => s.name).join(", ")} (default: all)
  --smoke             tiny counts, one round: checks the harness works (< ~1 min), asserts no targets
  --rounds N          measured rounds after the warm-up (default 3)
  --jobs N            job count of the throughput and queue-depth scenarios
  --store S           store of the Gantry servers under test: sqlite (default) or postgres; on postgres,
                      throughput and latency also measure Gantry on SQLite in the same rounds
  --database-url URL  PostgreSQL for --store postgres (default: $GANTRY_TEST_DATABASE_URL, else
                      postgres://root@127.0.0.1:5432/test); each server uses a fresh schema, dropped after
  --profile DIR       run Gantry servers with --cpu-prof, profiles written to DIR
  --out FILE          also write the markdown report to FILE`;

function dropSchemasOnInterrupt(store: Extract<BenchStore, { kind: "postgres" }>): void {
  // Ctrl-C skips the servers' orderly close, which is what drops their schemas: drop them here instead.
  const interrupted = (signal: NodeJS.Signals) => {
    process.stderr.write(`${signal}: dropping the PostgreSQL schemas ${store.schemaPrefix}_*\n`);
    dropRunSchemas(store).then(
      () => process.exit(130),
      (err: unknown) => {
        process.stderr.write(`could not drop them: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(130);
      },
    );
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseBenchArgs>;
  let store: BenchStore = SQLITE_STORE;
  try {
    args = parseBenchArgs(
      process.argv.slice(2),
      SCENARIOS.map((s) => s.name),
    );
    if (args.store === "postgres") store = postgresStore(benchDatabaseUrl(args.databaseUrl));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (store.kind === "postgres") dropSchemasOnInterrupt(store);
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const result = await runBench({
    scenarios: args.scenarios,
    smoke: args.smoke,
    ...(args.rounds !== undefined ? { rounds: args.rounds } : {}),
    ...(args.jobs !== undefined ? { jobs: args.jobs } : {}),
    ...(args.profileDir ? { profileDir: args.profileDir } : {}),
    store,
  });
  const pgRows = Object.entries(await postgresSettings(store)).map(
    ([k, v]) => [`PostgreSQL ${k}`, v] as const,
  );
  const report = [
    `## Results${args.smoke ? " (smoke mode: tiny counts, not figures)" : ""}`,
    "",
    "Median over the measured rounds, (min–max) across rounds; ratios are taken per round.",
    "",
    resultsTable(result.rows),
    "",
    "## Machine",
    "",
    machineTable(result.machine, result.during, {
      "BullMQ peer": result.peer ? "BullMQ 5.81.5 on Redis 127.0.0.1:6379" : "skipped (no Redis)",
      "Gantry store": describeBenchStore(store),
      ...Object.fromEntries(pgRows),
      "wall time of the run": `${result.seconds.toFixed(0)} s`,
    }),
    "",
  ].join("\n");
  process.stdout.write(report);
  if (args.out) writeFileSync(args.out, report);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
