/**
 * Reading a job's progress value, whatever shape its worker chose: `40`, `"40%"`, `{percent: 40}`,
 * `{progress: 0.4}`, `{progress: 40, message: "…"}` (what `ctx.progress(p, msg)` sends), `{status: "…"}`…
 */

export interface ProgressView {
  /** 0–100 when the value carries a percentage. */
  percent?: number;
  /** A short text to show beside it. */
  message?: string;
}

const clampPercent = (n: number): number => Math.max(0, Math.min(100, n));

function asPercent(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) {
    // A fraction of one (0.4) is far more likely than "0.4 %" from a worker.
    return clampPercent(v > 0 && v < 1 ? v * 100 : v);
  }
  if (typeof v === "string") {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/.exec(v);
    if (m) return clampPercent(Number(m[1]));
  }
  return undefined;
}

const PERCENT_KEYS = ["percent", "percentage", "progress", "pct"] as const;
const MESSAGE_KEYS = ["message", "msg", "status", "stage", "step"] as const;

export function readProgress(value: unknown): ProgressView {
  const direct = asPercent(value);
  if (direct !== undefined) return { percent: direct };
  if (typeof value === "string") return { message: value };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const obj = value as Record<string, unknown>;
  const view: ProgressView = {};
  for (const k of PERCENT_KEYS) {
    const inner = obj[k];
    const p = asPercent(inner) ?? (typeof inner === "object" ? readProgress(inner).percent : undefined);
    if (p !== undefined) {
      view.percent = p;
      break;
    }
  }
  if (
    view.percent === undefined &&
    typeof obj.done === "number" &&
    typeof obj.total === "number" &&
    obj.total > 0
  )
    view.percent = clampPercent((obj.done / obj.total) * 100);
  for (const k of MESSAGE_KEYS) {
    const m = obj[k];
    if (typeof m === "string" && m.trim() !== "") {
      view.message = m.trim();
      break;
    }
  }
  return view;
}

/** `40%`, `40% halfway`, `halfway`, or the value as compact JSON when nothing else fits. */
export function progressText(value: unknown): string {
  const v = readProgress(value);
  const pct = v.percent === undefined ? undefined : `${Math.round(v.percent)}%`;
  const parts = [pct, v.message].filter((x): x is string => x !== undefined);
  if (parts.length > 0) return parts.join(" ");
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
