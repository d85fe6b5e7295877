/**
 * A wall clock with sub-millisecond resolution that agrees across processes of one machine: the time origin
 * of each process plus its monotonic clock. Used only where a timestamp crosses a process boundary.
 */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** Milliseconds elapsed since `start` (a `performance.now()` value). */
export const since = (start: number): number => performance.now() - start;
