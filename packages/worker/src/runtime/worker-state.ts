import { Changes } from "./changes.js";
import { HeldJobs } from "./held-jobs.js";

/**
 * What the runtime's parts share: the held jobs, the concurrency and the slot accounting between the take loop
 * and the result posts that also take jobs (Gantry's `&take=`). Each part reads it and calls `changes.notify()`
 * when it changed something another part may be waiting on.
 */
export class WorkerState {
  readonly held = new HeldJobs();
  readonly changes = new Changes();
  concurrency = 1;
  /** A job-take answered with `X-Gantry-Version`: Gantry's extensions (`&take=`, job-done-batch) are safe. */
  gantry = false;
  /** A shutdown began: no new jobs. */
  stopping = false;
  /** Slots promised to result posts that asked for jobs: the take loop leaves them alone until those answer. */
  reservedSlots = 0;
  /** Slots the take loop's job-take in flight asks for. */
  takingSlots = 0;

  /** Slots the take loop may fill now; those promised to result posts that asked for jobs are not free. */
  freeSlots(): number {
    const free = Math.min(this.concurrency - this.held.occupied(), 2 * this.concurrency - this.held.size);
    return free - this.reservedSlots;
  }

  /**
   * On Gantry a result post also takes the jobs for the slots free now: one request instead of a post and a
   * job-take. Not while the take loop's job-take is out: that one is most likely parked on an empty queue (asking
   * here too would mostly be answered nothing), and the loop fills the slots when it returns. The slots stay
   * reserved (the loop leaves them alone) until the post is answered.
   */
  claimTake(): number {
    if (!this.gantry || this.stopping || this.takingSlots !== 0) return 0;
    const take = Math.max(0, this.freeSlots());
    this.reservedSlots += take;
    return take;
  }
}
