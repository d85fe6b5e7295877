/**
 * `gantry migrate`: brings the PostgreSQL schema to this Gantry's version and exits. `gantry serve` migrates at
 * start-up too (unless `postgres.migrate` is false); this is for deployments that migrate as a separate step.
 * Safe to run while nodes are up and from several places at once (the migration holds an advisory lock).
 */
import { resolve } from "node:path";
import {
  ConfigError,
  type GantryConfig,
  loadConfig,
  migratePostgres,
  redactConnectionString,
} from "@gantry/server";
import type { Command } from "commander";
import { CommandFailed, UsageError } from "../errors.js";
import type { CliIo } from "../io.js";

interface MigrateFlags {
  config?: string;
  databaseUrl?: string;
  schema?: string;
  json?: boolean;
}

export function registerMigrate(program: Command, io: CliIo, _setExit: (code: number) => void): void {
  program
    .command("migrate")
    .description("create or upgrade the PostgreSQL schema (see docs/postgres.md), then exit")
    .option("-c, --config <file>", "JSON config file (databaseUrl, postgres.schema)")
    .option(
      "--database-url <url>",
      "PostgreSQL URL (overrides the config, GANTRY_DATABASE_URL and DATABASE_URL)",
    )
    .option("--schema <name>", "schema holding Gantry's tables (overrides postgres.schema; default gantry)")
    .option("--json", "print the result as one JSON line")
    .action(async (flags: MigrateFlags) => {
      let config: GantryConfig;
      try {
        config = loadConfig({
          ...(flags.config !== undefined ? { configPath: resolve(io.cwd, flags.config) } : {}),
          env: io.env,
          // A URL on the command line means PostgreSQL, whatever store the config names.
          overrides:
            flags.databaseUrl !== undefined ? { databaseUrl: flags.databaseUrl, store: "postgres" } : {},
          cwd: io.cwd,
        });
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError(err.message);
        throw err;
      }
      if (config.store !== "postgres" || !config.databaseUrl) {
        throw new UsageError(
          `nothing to migrate: the store is "${config.store}" (SQLite migrates itself at start-up). ` +
            "For PostgreSQL pass --database-url, set DATABASE_URL, or set databaseUrl in the config.",
        );
      }
      const schema = flags.schema ?? config.postgres.schema;
      const where = redactConnectionString(config.databaseUrl);
      let result: Awaited<ReturnType<typeof migratePostgres>>;
      try {
        result = await migratePostgres({ connectionString: config.databaseUrl, schema });
      } catch (err) {
        const message = (err as Error).message;
        if (/schema name/.test(message)) throw new UsageError(message);
        throw new CommandFailed(`migration failed: ${message}`);
      }
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ event: "migrated", database: where, ...result })}\n`);
      } else if (result.from === result.to) {
        io.stdout.write(`PostgreSQL schema "${schema}" at ${where} is up to date (version ${result.to})\n`);
      } else {
        io.stdout.write(
          `migrated PostgreSQL schema "${schema}" at ${where} from version ${result.from} to ${result.to}\n`,
        );
      }
    });
}
