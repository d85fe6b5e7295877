/**
 * CPU time of another process, for per-process accounting (the worker, beside the server's own report). Read from
 * `/proc/<pid>/stat` (utime + stime, in clock ticks of 10 ms: USER_HZ is 100 on Linux whatever the kernel's HZ),
 * so undefined off Linux or once the process is gone; callers leave the figure out then.
 */
import { readFileSync } from "node:fs";

const MICROS_PER_TICK = 10_000;

export function processCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * MICROS_PER_TICK : undefined;
}
