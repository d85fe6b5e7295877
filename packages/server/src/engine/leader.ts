/**
 * Which node runs the work that must happen once (sweeps, webhook delivery, the autoscaler). A single node is
 * always the leader. Nodes sharing a store hold a lease row in it: the holder renews it every `renewMs`; when the
 * holder dies the row lapses after `ttlMs` and another node takes it. A node that cannot renew steps down before
 * its lease can lapse, so two nodes never both believe they lead (clocks agreeing within `renewMs`).
 * A table lease rather than an advisory lock: it works through connection poolers and on Postgres-compatible
 * databases without session-level locks.
 */
import type { ClusterStore } from "../store/cluster-store.js";
import { type EngineLogger, silentLogger } from "./logger.js";

export interface Leadership {
  isLeader(): boolean;
  /** Called on every change of `isLeader()`. Returns unsubscribe. */
  onChange(listener: (leader: boolean) => void): () => void;
  start(): void;
  /** Stops renewing and gives the lease up. */
  stop(): Promise<void>;
}

export class AlwaysLeader implements Leadership {
  isLeader(): boolean {
    return true;
  }
  onChange(): () => void {
    return () => {};
  }
  start(): void {}
  async stop(): Promise<void> {}
}

export interface LeaderLeaseOptions {
  /** This node's identity; unique per process. */
  holder: string;
  name?: string;
  /** How long a granted lease lasts. Default 10 000. */
  ttlMs?: number;
  /** How often the lease is claimed or renewed. Default ttlMs / 4. */
  renewMs?: number;
  clock?: () => number;
  log?: EngineLogger;
}

export class LeaderLease implements Leadership {
  private readonly name: string;
  private readonly holder: string;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly clock: () => number;
  private readonly log: EngineLogger;
  private readonly listeners = new Set<(leader: boolean) => void>();
  private leader = false;
  /** Our own bound on the lease: the request time of the last successful claim plus the ttl, minus a margin. */
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: ClusterStore,
    options: LeaderLeaseOptions,
  ) {
    if (typeof options.holder !== "string" || options.holder.length === 0)
      throw new Error("leader lease needs a holder id");
    this.holder = options.holder;
    this.name = options.name ?? "leader";
    this.ttlMs = options.ttlMs ?? 10_000;
    this.renewMs = options.renewMs ?? Math.max(50, Math.floor(this.ttlMs / 4));
    if (!(this.renewMs * 2 < this.ttlMs)) throw new Error("leader lease: renewMs must be below ttlMs / 2");
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? silentLogger;
  }

  isLeader(): boolean {
    if (this.leader && this.clock() >= this.validUntil) this.set(false, "lease could not be renewed in time");
    return this.leader;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.timer || this.stopped) return;
    void this.renew();
    this.timer = setInterval(() => void this.renew(), this.renewMs);
    this.timer.unref();
  }

  /** One claim-or-renew attempt (the timer calls it; tests may too). */
  renew(): Promise<void> {
    this.running ??= (async () => {
      const asked = this.clock();
      try {
        const won = await this.store.acquireLease({
          name: this.name,
          holder: this.holder,
          now: asked,
          until: asked + this.ttlMs,
        });
        if (this.stopped) return;
        if (won) {
          // Measured from before the request: the row may have been written at any moment since.
          this.validUntil = asked + this.ttlMs - this.renewMs;
          this.set(true);
        } else this.set(false, "another node holds the lease");
      } catch (err) {
        this.log.warn({ err, lease: this.name }, "leader lease renewal failed");
        this.isLeader();
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    const was = this.leader;
    this.set(false, "node stopping");
    if (was) {
      try {
        await this.store.releaseLease(this.name, this.holder);
      } catch (err) {
        this.log.warn({ err, lease: this.name }, "could not release the leader lease; it will lapse");
      }
    }
  }

  private set(leader: boolean, why?: string): void {
    if (leader === this.leader) return;
    this.leader = leader;
    if (leader) this.log.info({ lease: this.name, holder: this.holder }, "this node is now the leader");
    else this.log.info({ lease: this.name, holder: this.holder, why }, "this node is no longer the leader");
    for (const l of [...this.listeners]) {
      try {
        l(leader);
      } catch (err) {
        this.log.error({ err }, "leadership listener failed");
      }
    }
  }
}
