/**
 * What this node alone saw of each worker's traffic: the long-polls it holds open, the jobs the worker runs (as
 * handed out, answered and listed in its pings), its answers, and a supervisor's verdict. Part of the worker
 * registry, kept apart from the entries nodes share, so another node's copy of an entry does not erase it.
 */

interface Traffic {
  /** job id → when it was handed out or first listed in a ping */
  held: Map<string, number>;
  /**
   * Jobs it answered lately, oldest first: a ping sent before an answer but read after it must not bring the job
   * back. A set, since every answer looks its job up here (job ids share their time prefix, so comparing them one
   * by one costs more than hashing).
   */
  answered: Set<string>;
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
/** What `answered` returns, shared: an answer is recorded without allocating. */
const FIRST_ANSWER: Readonly<{ first: boolean }> = Object.freeze({ first: true });
const NEXT_ANSWER: Readonly<{ first: boolean }> = Object.freeze({ first: false });

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
      t = { held: new Map(), answered: new Set(), jobsDone: 0 };
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
  answered(workerId: string, jobId: string, now: number): Readonly<{ first: boolean }> | undefined {
    const t = this.#of(workerId);
    t.held.delete(jobId);
    if (t.answered.has(jobId)) return undefined;
    t.answered.add(jobId);
    if (t.answered.size > ANSWERED_KEPT) {
      // A set iterates in insertion order: its first id is the oldest answer.
      const oldest = t.answered.values().next().value;
      if (oldest !== undefined) t.answered.delete(oldest);
    }
    t.jobsDone++;
    t.lastJobAt = now;
    if (t.firstDoneAt !== undefined) return NEXT_ANSWER;
    t.firstDoneAt = now;
    return FIRST_ANSWER;
  }

  /** A ping listing the jobs the worker runs: they replace the held set, except jobs handed out moments ago. */
  pinged(workerId: string, jobIds: readonly string[], now: number): void {
    const t = this.#of(workerId);
    const listed = new Set(jobIds.filter((id) => !t.answered.has(id)));
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
