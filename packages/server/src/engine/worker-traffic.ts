/**
 * What this node alone saw of each worker's traffic: the long-polls it holds open, the jobs the worker runs (as
 * handed out, answered and listed in its pings), its answers, and a supervisor's verdict. Part of the worker
 * registry, kept apart from the entries nodes share, so another node's copy of an entry does not erase it.
 */

interface Traffic {
  /** job id → when it was handed out or first listed in a ping */
  held: Map<string, number>;
  /** Jobs it answered lately: a ping sent before an answer but read after it must not bring the job back. */
  answered: string[];
  jobsDone: number;
  firstDoneAt?: number;
  lastJobAt?: number;
  verdict?: string;
}

export interface TrafficView {
  held: string[];
  jobsDone: number;
  firstDoneAt?: number;
  lastJobAt?: number;
  verdict?: string;
}

/** A ping in flight while a job is being handed out may not list it yet: keep fresh takes this long. */
const FRESH_TAKE_MS = 5_000;
const ANSWERED_KEPT = 32;

export class WorkerTraffic {
  readonly #workers = new Map<string, Traffic>();
  /**
   * Long-polls (job-take, job-stop) this node holds open per worker. An open long-poll is a sign of life as good as
   * a ping: the worker is waiting on this very server, and the poll ends within its hold, after which a worker
   * that is gone stops renewing it. Other nodes learn of it through `lastSeen` in snapshots.
   */
  readonly #openPolls = new Map<string, number>();

  #of(workerId: string): Traffic {
    let t = this.#workers.get(workerId);
    if (!t) {
      t = { held: new Map(), answered: [], jobsDone: 0 };
      this.#workers.set(workerId, t);
    }
    return t;
  }

  taken(workerId: string, jobs: readonly { id: string }[], now: number): void {
    const t = this.#of(workerId);
    for (const j of jobs) t.held.set(j.id, now);
  }

  putBack(workerId: string, jobIds: readonly string[]): void {
    const t = this.#workers.get(workerId);
    if (t) for (const id of jobIds) t.held.delete(id);
  }

  /** The worker answered `jobId`; returns whether it was its first answer, or undefined for a repeated post. */
  answered(workerId: string, jobId: string, now: number): { first: boolean } | undefined {
    const t = this.#of(workerId);
    t.held.delete(jobId);
    if (t.answered.includes(jobId)) return undefined;
    t.answered.push(jobId);
    if (t.answered.length > ANSWERED_KEPT) t.answered.shift();
    t.jobsDone++;
    t.lastJobAt = now;
    const first = t.firstDoneAt === undefined;
    t.firstDoneAt ??= now;
    return { first };
  }

  /** A ping listing the jobs the worker runs: they replace the held set, except jobs handed out moments ago. */
  pinged(workerId: string, jobIds: readonly string[], now: number): void {
    const t = this.#of(workerId);
    const listed = new Set(jobIds.filter((id) => !t.answered.includes(id)));
    for (const [id, since] of t.held) if (!listed.has(id) && now - since > FRESH_TAKE_MS) t.held.delete(id);
    for (const id of listed) if (!t.held.has(id)) t.held.set(id, now);
  }

  judge(workerId: string, verdict: string | undefined): void {
    if (verdict !== undefined) this.#of(workerId).verdict = verdict;
    else if (this.#workers.has(workerId)) delete this.#of(workerId).verdict;
  }

  forget(workerId: string): void {
    this.#workers.delete(workerId);
  }

  view(workerId: string): TrafficView {
    const t = this.#workers.get(workerId);
    const v: TrafficView = { held: t ? [...t.held.keys()] : [], jobsDone: t?.jobsDone ?? 0 };
    if (t?.firstDoneAt !== undefined) v.firstDoneAt = t.firstDoneAt;
    if (t?.lastJobAt !== undefined) v.lastJobAt = t.lastJobAt;
    if (t?.verdict !== undefined) v.verdict = t.verdict;
    return v;
  }

  pollOpened(workerId: string): void {
    this.#openPolls.set(workerId, (this.#openPolls.get(workerId) ?? 0) + 1);
  }

  pollClosed(workerId: string): void {
    const open = (this.#openPolls.get(workerId) ?? 0) - 1;
    if (open > 0) this.#openPolls.set(workerId, open);
    else this.#openPolls.delete(workerId);
  }

  polling(workerId: string): boolean {
    return this.#openPolls.has(workerId);
  }
}
