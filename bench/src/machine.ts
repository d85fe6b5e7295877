/** What the numbers were taken on: CPU, cores, Node, load, and the CPU steal observed during the run. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  nproc: string;
  node: string;
  platform: string;
  memoryGb: number;
  loadAvgStart: number[];
}

interface CpuTimes {
  total: number;
  steal: number;
  idle: number;
}

export function machineInfo(): MachineInfo {
  let nproc = "unknown";
  try {
    nproc = execFileSync("nproc", { encoding: "utf8" }).trim();
  } catch {
    // Not every system ships coreutils' nproc; the core count below still says it.
  }
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    nproc,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAvgStart: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The aggregate `cpu` line of /proc/stat (Linux only; undefined elsewhere). */
function readCpuTimes(): CpuTimes | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    return {
      total: user + nice + system + idle + iowait + irq + softirq + steal,
      steal,
      idle: idle + iowait,
    };
  } catch {
    return undefined;
  }
}

/** Steal and busy share of all CPUs between `start()` and `stop()`. */
export class CpuWatch {
  #start: CpuTimes | undefined;

  start(): void {
    this.#start = readCpuTimes();
  }

  stop(): { stealPct: number; busyPct: number; loadAvgEnd: number[] } | undefined {
    const end = readCpuTimes();
    const loadAvgEnd = loadavg().map((l) => Math.round(l * 100) / 100);
    if (!this.#start || !end) return undefined;
    const total = end.total - this.#start.total;
    if (total <= 0) return { stealPct: 0, busyPct: 0, loadAvgEnd };
    const pct = (v: number) => Math.round((v / total) * 1000) / 10;
    return {
      stealPct: pct(end.steal - this.#start.steal),
      busyPct: pct(total - (end.idle - this.#start.idle) - (end.steal - this.#start.steal)),
      loadAvgEnd,
    };
  }
}
