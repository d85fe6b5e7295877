/**
 * The event bus between Gantry nodes over PostgreSQL LISTEN/NOTIFY. One dedicated connection LISTENs (and is
 * re-opened with backoff when it drops); publishing goes through a pool (the store's). Events published in the
 * same turn of the event loop travel as one NOTIFY. Each payload names its node so a node ignores its own.
 * Everything here is a hint: engines re-check the store on a bounded period, so a lost notification (the
 * listener reconnecting, a pooler that drops NOTIFY) delays a wake-up, never loses work.
 */
import pg from "pg";
import { type BusEvent, coalesceEvents, decodeEvents, type EventBus, encodeEvents } from "./bus.js";
import { type EngineLogger, silentLogger } from "./logger.js";

export interface PgBusOptions {
  connectionString: string;
  /** Publishing connections; default a pool of 2 of our own. */
  pool?: pg.Pool;
  /** The NOTIFY channel; nodes sharing a schema must share it. Letters, digits, `_`; ≤ 63. */
  channel: string;
  /** Unique per process. */
  nodeId: string;
  log?: EngineLogger;
  /** First reconnect delay; doubles up to `maxBackoffMs`. Default 250. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/** NOTIFY payloads must stay below 8000 bytes. */
const MAX_PAYLOAD = 7000;
const CHANNEL_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The channel for a store schema, so test schemas (or two deployments on one database) do not hear each other. */
export const channelForSchema = (schema: string): string => `gantry_${schema}`.slice(0, 63);

export class PgBus implements EventBus {
  private readonly listeners = new Set<(e: BusEvent) => void>();
  private readonly pool: pg.Pool;
  private readonly ownPool: boolean;
  private readonly log: EngineLogger;
  private client: pg.Client | undefined;
  private pending: BusEvent[] = [];
  private flushScheduled = false;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private connected: Promise<void> | undefined;

  constructor(private readonly o: PgBusOptions) {
    if (!CHANNEL_PATTERN.test(o.channel))
      throw new Error(`invalid NOTIFY channel ${JSON.stringify(o.channel)}`);
    if (o.nodeId.length === 0 || /\s/.test(o.nodeId))
      throw new Error("bus nodeId must be non-empty, no spaces");
    this.log = o.log ?? silentLogger;
    this.ownPool = o.pool === undefined;
    this.pool =
      o.pool ?? new pg.Pool({ connectionString: o.connectionString, max: 2, application_name: "gantry-bus" });
    if (this.ownPool)
      this.pool.on("error", (err) => this.log.warn({ err }, "event bus pool connection failed"));
    this.backoff = o.backoffMs ?? 250;
  }

  /** Opens the LISTEN connection; resolves once listening (rejects if the first attempt fails). */
  start(): Promise<void> {
    this.connected ??= this.listen();
    return this.connected;
  }

  /** Whether the LISTEN connection is up right now (diagnostics, tests). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  publish(event: BusEvent): void {
    if (this.closed) return;
    this.pending.push(event);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flush());
  }

  subscribe(listener: (event: BusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.flush();
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
    if (this.ownPool) await this.pool.end().catch(() => undefined);
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const events = coalesceEvents(this.pending.splice(0));
    if (events.length === 0) return;
    const payloads: string[] = [];
    let batch: BusEvent[] = [];
    let size = 0;
    for (const e of events) {
      const line = encodeEvents([e]).length + 1;
      if (batch.length > 0 && size + line > MAX_PAYLOAD) {
        payloads.push(encodeEvents(batch));
        batch = [];
        size = 0;
      }
      batch.push(e);
      size += line;
    }
    if (batch.length > 0) payloads.push(encodeEvents(batch));
    for (const p of payloads) {
      try {
        await this.pool.query("SELECT pg_notify($1, $2)", [this.o.channel, `${this.o.nodeId}\n${p}`]);
      } catch (err) {
        // Dropped: the receivers' periodic re-check covers it.
        this.log.warn({ err }, "event bus: NOTIFY failed");
      }
    }
  }

  private async listen(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.o.connectionString,
      application_name: "gantry-bus",
    });
    const lost = (err?: Error): void => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners("notification");
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.log.warn({ err }, "event bus: LISTEN connection lost; reconnecting");
      this.scheduleReconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (msg) => {
      if (msg.channel !== this.o.channel || typeof msg.payload !== "string") return;
      const nl = msg.payload.indexOf("\n");
      if (nl < 0 || msg.payload.slice(0, nl) === this.o.nodeId) return;
      for (const e of decodeEvents(msg.payload.slice(nl + 1))) {
        for (const l of [...this.listeners]) {
          try {
            l(e);
          } catch (err) {
            this.log.error({ err }, "event bus listener failed");
          }
        }
      }
    });
    await client.connect();
    await client.query(`LISTEN "${this.o.channel}"`);
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoff = this.o.backoffMs ?? 250;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.o.maxBackoffMs ?? 5000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.listen().catch((err: unknown) => {
        this.log.warn({ err, retryInMs: this.backoff }, "event bus: reconnect failed");
        this.scheduleReconnect();
      });
    }, delay);
    this.reconnectTimer.unref();
  }
}
