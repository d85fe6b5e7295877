/**
 * The event bus between Gantry nodes that share one store. An engine wakes its own long-polls directly
 * (`Waiters`); it publishes the same wake-ups here so the other nodes' long-polls and live feeds wake too, and it
 * subscribes to theirs. An event is only a hint that something changed in the store: receivers re-read the store,
 * and every long-poll also re-checks the store on a bounded period, so a lost event delays but never stalls.
 *
 * A single node needs no bus at all (the engine then wakes only its own waiters, as it always did).
 * `InProcessBus` joins several engines inside one process (tests, embedding); `PgBus` (pg-bus.ts) carries the
 * events between processes with LISTEN/NOTIFY.
 */

/** `job`: a job changed (taken, progress, chunk, terminal, deleted). `queue`: a job was queued on the endpoint.
 * `stop`: a stop signal waits for the worker. `workers`: the shared worker registry changed. */
export const BUS_TOPICS = ["job", "queue", "stop", "workers"] as const;
export type BusTopic = (typeof BUS_TOPICS)[number];

export interface BusEvent {
  topic: BusTopic;
  /** Job id, endpoint id or worker id, by topic. */
  id: string;
  /** Wake this many waiters per node (a queued job wants one taker); absent: wake all. */
  wake?: number;
}

export interface EventBus {
  /** Sends the event to every other node; never throws (a bus that is down drops events). */
  publish(event: BusEvent): void;
  /** Events from other nodes. Returns unsubscribe. */
  subscribe(listener: (event: BusEvent) => void): () => void;
  close(): Promise<void>;
}

const isTopic = (t: unknown): t is BusTopic =>
  typeof t === "string" && (BUS_TOPICS as readonly string[]).includes(t);

/** Waiter keys are `<topic>:<id>`; keys of other shapes are node-local and never leave the node. */
export function eventOfKey(key: string, wake?: number): BusEvent | undefined {
  const colon = key.indexOf(":");
  if (colon <= 0) return undefined;
  const topic = key.slice(0, colon);
  if (!isTopic(topic)) return undefined;
  const event: BusEvent = { topic, id: key.slice(colon + 1) };
  if (wake !== undefined) event.wake = wake;
  return event;
}

export const keyOfEvent = (e: BusEvent): string => `${e.topic}:${e.id}`;

/**
 * Wire form of a batch of events: one line each, `<topic> <wake> <id>` with wake 0 meaning all. Ids never hold a
 * newline (job, endpoint and worker ids are validated), so lines split cleanly.
 */
export function encodeEvents(events: readonly BusEvent[]): string {
  return events.map((e) => `${e.topic} ${e.wake ?? 0} ${e.id}`).join("\n");
}

/** Parses a batch; malformed lines are skipped (a foreign NOTIFY on our channel must not crash a node). */
export function decodeEvents(text: string): BusEvent[] {
  const out: BusEvent[] = [];
  for (const line of text.split("\n")) {
    const a = line.indexOf(" ");
    const b = a < 0 ? -1 : line.indexOf(" ", a + 1);
    if (b < 0) continue;
    const topic = line.slice(0, a);
    const wake = Number(line.slice(a + 1, b));
    const id = line.slice(b + 1);
    if (!isTopic(topic) || !Number.isInteger(wake) || wake < 0 || id.length === 0 || id.length > 256)
      continue;
    out.push(wake > 0 ? { topic, id, wake } : { topic, id });
  }
  return out;
}

/**
 * Merges a burst of events into as few as possible: repeats of a wake-all event collapse into one, counted
 * wake-ups of the same key add up (five queued jobs want five takers).
 */
export function coalesceEvents(events: readonly BusEvent[]): BusEvent[] {
  const byKey = new Map<string, BusEvent>();
  for (const e of events) {
    const key = keyOfEvent(e);
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, { ...e });
    else if (prev.wake === undefined || e.wake === undefined) delete prev.wake;
    else prev.wake += e.wake;
  }
  return [...byKey.values()];
}

/** Nodes inside one process (a single server, or tests running several engines over one store). */
export class InProcessBus {
  private readonly nodes = new Set<(e: BusEvent) => void>();

  /** One node's view of the hub: what it publishes reaches every other node. */
  connect(): EventBus {
    const listeners = new Set<(e: BusEvent) => void>();
    const deliver = (e: BusEvent): void => {
      for (const l of [...listeners]) {
        try {
          l(e);
        } catch {
          // A listener's failure must not stop delivery to the others.
        }
      }
    };
    this.nodes.add(deliver);
    return {
      publish: (event) => {
        for (const node of this.nodes) if (node !== deliver) node({ ...event });
      },
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: async () => {
        this.nodes.delete(deliver);
        listeners.clear();
      },
    };
  }
}
