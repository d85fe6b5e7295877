/**
 * Where `progressUpdate(job, …)` called from anywhere in the process sends its update.
 * The production runtime and the local modes register a sink while they run; with none registered,
 * `progressUpdate` only warns (a handler unit-tested on its own must not crash).
 */

/** Sends one progress update for `jobId`; resolves once it is delivered (or given up). */
export type ProgressSink = (jobId: string, progress: unknown, message?: string) => Promise<void>;

let activeSink: ProgressSink | undefined;

/** Registers the sink of the running mode; returns a function that unregisters it (if still current). */
export function setActiveProgressSink(sink: ProgressSink): () => void {
  activeSink = sink;
  return () => {
    if (activeSink === sink) activeSink = undefined;
  };
}

export function getActiveProgressSink(): ProgressSink | undefined {
  return activeSink;
}
