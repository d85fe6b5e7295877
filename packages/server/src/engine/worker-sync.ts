/**
 * Multi-node: keeps this node's `WorkerRegistry` and the store's `workers` table in step, so `/health`, hints and
 * the stopPod hold see every worker whichever node it talks to. Each pass pushes local entries whose state
 * changed (or whose last contact moved by `seenEveryMs`), then pulls every row: a row changed more recently than
 * this node last knew replaces the local entry (last writer wins), and an entry whose row was deleted by another
 * node (worker released or pruned) is dropped unless it changed here since.
 */
import type { ClusterStore, WorkerRow } from "../store/cluster-store.js";
import { type EngineLogger, silentLogger } from "./logger.js";
import type { WorkerRegistry, WorkerSnapshot } from "./workers.js";

interface Known {
  fingerprint: string;
  changedAt: number;
  storedSeen: number;
}

export interface WorkerSyncOptions {
  /** Push a worker whose only change is a newer contact at most this often. Default 2000. */
  seenEveryMs?: number;
  clock?: () => number;
  log?: EngineLogger;
}

/** Everything but the contact time: what makes a change worth telling the other nodes at once. */
const fingerprint = (s: WorkerSnapshot): string => JSON.stringify({ ...s, lastSeen: 0 });

function isSnapshot(v: unknown, row: WorkerRow): v is WorkerSnapshot {
  if (typeof v !== "object" || v === null) return false;
  const s = v as Partial<WorkerSnapshot>;
  return (
    s.id === row.id &&
    typeof s.endpointId === "string" &&
    typeof s.firstSeen === "number" &&
    typeof s.concurrency === "number" &&
    typeof s.initializing === "boolean" &&
    typeof s.throttled === "boolean" &&
    typeof s.recycle === "boolean"
  );
}

export class WorkerRegistrySync {
  private readonly known = new Map<string, Known>();
  private readonly seenEveryMs: number;
  private readonly clock: () => number;
  private readonly log: EngineLogger;
  private running: Promise<boolean> | undefined;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly store: ClusterStore,
    options: WorkerSyncOptions = {},
  ) {
    this.seenEveryMs = options.seenEveryMs ?? 2000;
    this.clock = options.clock ?? Date.now;
    this.log = options.log ?? silentLogger;
  }

  /** One push-and-pull pass; resolves true when this node pushed a state change. Never rejects. */
  sync(): Promise<boolean> {
    this.running ??= this.pass()
      .catch((err: unknown) => {
        this.log.warn({ err }, "worker registry sync failed");
        return false;
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** The worker left for good (released, pruned): delete its row so the other nodes drop it too. */
  async forget(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) this.known.delete(id);
    await this.store.deleteWorkerRows(ids);
  }

  private async pass(): Promise<boolean> {
    const now = this.clock();
    const push: WorkerRow[] = [];
    const pushedKnown = new Map<string, Known>();
    let changed = false;
    for (const s of this.registry.snapshots(now)) {
      const fp = fingerprint(s);
      const k = this.known.get(s.id);
      if (!k || k.fingerprint !== fp) {
        const changedAt = Math.max(now, (k?.changedAt ?? 0) + 1);
        push.push({ id: s.id, endpointId: s.endpointId, lastSeen: s.lastSeen, changedAt, data: s });
        pushedKnown.set(s.id, { fingerprint: fp, changedAt, storedSeen: s.lastSeen });
        changed = true;
      } else if (s.lastSeen - k.storedSeen >= this.seenEveryMs) {
        push.push({
          id: s.id,
          endpointId: s.endpointId,
          lastSeen: s.lastSeen,
          changedAt: k.changedAt,
          data: s,
        });
        pushedKnown.set(s.id, { ...k, storedSeen: s.lastSeen });
      }
    }
    if (push.length > 0) await this.store.upsertWorkers(push);
    for (const [id, k] of pushedKnown) this.known.set(id, k);

    const rows = await this.store.listWorkerRows();
    const present = new Set<string>();
    for (const row of rows) {
      present.add(row.id);
      const k = this.known.get(row.id);
      if (!k || row.changedAt > k.changedAt) {
        if (!isSnapshot(row.data, row)) continue;
        const snapshot: WorkerSnapshot = { ...row.data, lastSeen: row.lastSeen };
        this.registry.adopt(snapshot);
        this.known.set(row.id, {
          fingerprint: fingerprint(snapshot),
          changedAt: row.changedAt,
          storedSeen: row.lastSeen,
        });
      } else {
        this.registry.touch(row.id, row.lastSeen);
        k.storedSeen = Math.max(k.storedSeen, row.lastSeen);
      }
    }
    const local = new Map(this.registry.snapshots().map((s) => [s.id, s]));
    for (const [id, k] of this.known) {
      if (present.has(id)) continue;
      const s = local.get(id);
      // Changed here after its row went away: it is alive, the next pass writes it back.
      if (s && fingerprint(s) !== k.fingerprint) continue;
      this.registry.remove(id);
      this.known.delete(id);
    }
    return changed;
  }
}
