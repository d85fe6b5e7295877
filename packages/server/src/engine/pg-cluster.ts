/**
 * What one Gantry node needs to share a PostgreSQL store with other nodes: the LISTEN/NOTIFY bus and the leader
 * lease, as the engine's `EngineCluster`. `server.ts` starts it when the store is PostgreSQL.
 */

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { PostgresStore } from "../store/postgres.js";
import type { EngineCluster } from "./engine-config.js";
import { LeaderLease } from "./leader.js";
import type { EngineLogger } from "./logger.js";
import { channelForSchema, PgBus } from "./pg-bus.js";

export interface PgClusterOptions {
  store: PostgresStore;
  /** For the LISTEN connection; default the store pool's. */
  connectionString?: string;
  log?: EngineLogger;
  /** This process's identity in the leader lease; default `<hostname>-<pid>-<random>`. */
  nodeName?: string;
  /** Long-polls re-read the store at least this often. Default 1500. */
  recheckMs?: number;
  /** Leader lease duration: how long the once-only work may pause when the leader dies. Default 10 000. */
  leaderTtlMs?: number;
}

export interface PgCluster {
  nodeName: string;
  bus: PgBus;
  leadership: LeaderLease;
  cluster: EngineCluster;
  /** Closes the bus (the engine's stop() releases the lease). */
  close(): Promise<void>;
}

export const defaultNodeName = (): string =>
  `${hostname().replace(/[^A-Za-z0-9_.-]/g, "") || "node"}-${process.pid}-${randomBytes(3).toString("hex")}`;

export async function startPgCluster(o: PgClusterOptions): Promise<PgCluster> {
  const nodeName = o.nodeName ?? defaultNodeName();
  const connectionString = o.connectionString ?? o.store.pool.options.connectionString;
  if (!connectionString) throw new Error("the event bus needs the PostgreSQL connection string");
  const bus = new PgBus({
    connectionString,
    pool: o.store.pool,
    channel: channelForSchema(o.store.schema),
    nodeId: nodeName,
    ...(o.log ? { log: o.log } : {}),
  });
  await bus.start();
  const leadership = new LeaderLease(o.store.cluster, {
    holder: nodeName,
    ttlMs: o.leaderTtlMs ?? 10_000,
    ...(o.log ? { log: o.log } : {}),
  });
  return {
    nodeName,
    bus,
    leadership,
    cluster: { store: o.store.cluster, bus, leadership, recheckMs: o.recheckMs ?? 1500 },
    close: () => bus.close(),
  };
}
