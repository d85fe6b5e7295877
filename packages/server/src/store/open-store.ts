/**
 * Config → store: the one place that knows which adapter a `GantryConfig` asks for.
 * - "sqlite": `<dataDir>/gantry.db` (the default); "memory": SQLite in memory, lost on exit;
 * - "postgres": `databaseUrl`, schema/pool/migrate from `config.postgres`.
 */
import { join } from "node:path";
import type { GantryConfig } from "../config/load.js";
import {
  DEFAULT_POSTGRES_SCHEMA,
  openPostgresStore,
  type PostgresStoreOptions,
  redactConnectionString,
} from "./postgres.js";
import { openSqliteStore } from "./sqlite.js";
import type { Store } from "./store.js";

export type StoreConfig = Pick<GantryConfig, "store" | "dataDir" | "databaseUrl"> & {
  postgres?: Partial<GantryConfig["postgres"]>;
};

export interface OpenStoreExtras {
  /** Errors of idle PostgreSQL connections (logged by the server). */
  onPostgresError?: PostgresStoreOptions["onError"];
}

export async function openStore(config: StoreConfig, extras: OpenStoreExtras = {}): Promise<Store> {
  switch (config.store) {
    case "sqlite":
      return openSqliteStore({ path: join(config.dataDir, "gantry.db") });
    case "memory":
      return openSqliteStore({ path: ":memory:" });
    case "postgres": {
      if (!config.databaseUrl) throw new Error('store "postgres" needs a databaseUrl (or DATABASE_URL)');
      const o: PostgresStoreOptions = { connectionString: config.databaseUrl };
      if (config.postgres?.schema !== undefined) o.schema = config.postgres.schema;
      if (config.postgres?.poolSize !== undefined) o.poolSize = config.postgres.poolSize;
      if (config.postgres?.migrate !== undefined) o.migrate = config.postgres.migrate;
      if (config.postgres?.prepare !== undefined) o.prepare = config.postgres.prepare;
      if (extras.onPostgresError) o.onError = extras.onPostgresError;
      return openPostgresStore(o);
    }
    default:
      throw new Error(`unknown store ${JSON.stringify((config as { store: unknown }).store)}`);
  }
}

/** Where the jobs live, for start-up summaries and logs (never shows a password). */
export function describeStore(config: StoreConfig): string {
  switch (config.store) {
    case "memory":
      return "memory";
    case "postgres":
      return `postgres ${config.databaseUrl ? redactConnectionString(config.databaseUrl) : "(no URL)"} schema ${config.postgres?.schema ?? DEFAULT_POSTGRES_SCHEMA}`;
    default:
      return join(config.dataDir, "gantry.db");
  }
}
