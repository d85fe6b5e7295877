/** The markdown tables: results, and the machine they were taken on. */
import type { MachineInfo } from "./machine.js";
import type { ResultRow } from "./scenario.js";
import type { Summary } from "./stats.js";

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
}

function cell(s: Summary | undefined, suffix = ""): string {
  if (!s || s.n === 0) return "–";
  if (s.n === 1 || s.min === s.max) return `${fmt(s.median)}${suffix}`;
  return `${fmt(s.median)}${suffix} (${fmt(s.min)}–${fmt(s.max)})`;
}

export function resultsTable(rows: readonly ResultRow[]): string {
  const lines = [
    "| scenario | metric | Gantry | reference | reference value | ratio (Gantry ÷ ref) | target | met |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const met = r.met === undefined ? "–" : r.met ? "**met**" : "not met";
    const metric = r.note ? `${r.metric} <sub>${r.note}</sub>` : r.metric;
    lines.push(
      `| ${r.scenario} | ${metric} | ${cell(r.gantry, ` ${r.unit}`)} | ${r.reference ?? "–"} | ${cell(
        r.referenceValue,
        ` ${r.unit}`,
      )} | ${cell(r.ratio, "×")} | ${r.target ?? "–"} | ${met} |`,
    );
  }
  return lines.join("\n");
}

export function machineTable(
  m: MachineInfo,
  during: { stealPct: number; busyPct: number; loadAvgEnd: number[] } | undefined,
  extra: Record<string, string> = {},
): string {
  const rows: [string, string][] = [
    ["CPU", m.cpuModel],
    ["cores (os.cpus)", String(m.cores)],
    ["nproc", m.nproc],
    ["memory", `${m.memoryGb} GB`],
    ["node", m.node],
    ["platform", m.platform],
    ["load average at start (1/5/15 min)", m.loadAvgStart.join(" / ")],
  ];
  if (during) {
    rows.push(["load average at end", during.loadAvgEnd.join(" / ")]);
    rows.push(["CPU busy during the run (all processes, all cores)", `${during.busyPct} %`]);
    rows.push(["CPU steal during the run", `${during.stealPct} %`]);
  }
  for (const [k, v] of Object.entries(extra)) rows.push([k, v]);
  return ["| | |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join("\n");
}
