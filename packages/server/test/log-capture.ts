import { Writable } from "node:stream";

/** A writable that keeps every chunk written to it as a line: where a test points a logger to read its output. */
export function captureLines(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}
