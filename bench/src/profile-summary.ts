/**
 * Top self-time functions of a V8 `.cpuprofile` (what `node --cpu-prof` writes):
 * `node --import tsx bench/src/profile-summary.ts <file.cpuprofile> [top=25]`.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
  pct: number;
}

export function topSelfTime(profile: CpuProfile, top = 25): SelfTime[] {
  const byNode = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byNode.get(id);
    if (!node) return;
    total += dt;
    const f = node.callFrame;
    const where = f.url
      ? `${f.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/packages\//, "")}:${f.lineNumber + 1}`
      : "";
    const key = `${f.functionName}@${where}`;
    const entry = self.get(key) ?? { name: f.functionName || "(anonymous)", where, us: 0 };
    entry.us += dt;
    self.set(key, entry);
  });
  return [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({
      name: e.name,
      where: e.where,
      ms: e.us / 1000,
      pct: total > 0 ? (e.us / total) * 100 : 0,
    }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: profile-summary.ts <file.cpuprofile> [top]\n");
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? "25");
  const rows = topSelfTime(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, top);
  process.stdout.write("| self ms | self % | function | where |\n|---:|---:|---|---|\n");
  for (const r of rows)
    process.stdout.write(`| ${r.ms.toFixed(0)} | ${r.pct.toFixed(1)} | \`${r.name}\` | ${r.where} |\n`);
}
