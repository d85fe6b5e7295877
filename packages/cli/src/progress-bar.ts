/**
 * How `gantry run` shows a job's progress on stderr. On a terminal: one line redrawn in place (a bar when the
 * value carries a percentage). Anywhere else: nothing, or with `--verbose` one plain `progress 40%` line per
 * update — never a carriage return or escape code, so logs and pipes stay clean.
 */
import { progressText, readProgress } from "./progress-value.js";

const WIDTH = 24;

export type ProgressMode = "bar" | "lines" | "off";

export function progressMode(
  stderr: { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
  verbose: boolean,
): ProgressMode {
  const tty = stderr.isTTY === true || env.GANTRY_FORCE_TTY === "1";
  if (tty && env.TERM !== "dumb") return "bar";
  return verbose ? "lines" : "off";
}

export class ProgressReporter {
  #drawn = false;
  #hidden = false;
  #last: string | undefined;
  #label: string;

  constructor(
    readonly out: NodeJS.WritableStream,
    readonly mode: ProgressMode,
    label: string,
    readonly columns = 80,
  ) {
    this.#label = label;
  }

  /** A line before any progress arrives, so a terminal user sees the job is on its way. */
  waiting(text: string): void {
    if (this.mode === "bar" && !this.#hidden) this.draw(`${this.#label} ${text}`);
  }

  update(value: unknown): void {
    const text = progressText(value);
    if (text === this.#last) return;
    this.#last = text;
    if (this.mode === "lines") {
      this.out.write(`progress ${text}\n`);
      return;
    }
    if (this.mode !== "bar" || this.#hidden) return;
    const { percent, message } = readProgress(value);
    if (percent === undefined) {
      this.draw(`${this.#label} ${text}`);
      return;
    }
    const filled = Math.round((percent / 100) * WIDTH);
    const bar = `${"█".repeat(filled)}${"░".repeat(WIDTH - filled)}`;
    const pct = `${Math.round(percent)}%`.padStart(4);
    this.draw(`${this.#label} ${bar} ${pct}${message !== undefined ? ` ${message}` : ""}`);
  }

  /** Clears the line and draws nothing more (streamed text is about to share the terminal). */
  hide(): void {
    this.clear();
    this.#hidden = true;
  }

  /** Removes the bar so the final output starts on a clean line. */
  clear(): void {
    if (this.mode === "bar" && this.#drawn) this.out.write("\r\u001b[2K");
    this.#drawn = false;
  }

  private draw(line: string): void {
    const max = Math.max(20, this.columns - 1);
    const fitted = line.length > max ? `${line.slice(0, max - 1)}…` : line;
    this.out.write(`\r\u001b[2K${fitted}`);
    this.#drawn = true;
  }
}
