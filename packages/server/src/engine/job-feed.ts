/**
 * A job's live feed (SSE). Event ids: a chunk's id is its sequence number (1, 2, 3, …); progress and status
 * events carry the number of chunks sent before them. So ids never decrease, and a client resuming with
 * `Last-Event-ID: n` gets exactly the chunks after n, followed by a fresh status snapshot (progress and status
 * events are snapshots, so seeing one again is harmless). The feed ends after the terminal status event, or with
 * a `gone` event if the job is deleted first (TTL, retention, purge), so a client is never left waiting on a job
 * that no longer exists. It never moves the `/stream` cursor.
 */
import { isTerminal, type JobStatus } from "../domain/job.js";
import { type EngineCore, findJob, viewWithHint } from "./core.js";
import { jobKey } from "./keys.js";
import type { JobEvent } from "./platform.js";

const CHUNK_PAGE = 500;

export async function subscribe(
  core: EngineCore,
  endpointId: string,
  jobId: string,
  afterEventId: number,
  onEvent: (e: JobEvent) => void,
): Promise<(() => void) | undefined> {
  if (!(await findJob(core, endpointId, jobId))) return undefined;
  let sent = afterEventId;
  let closed = false;
  let lastStatus: JobStatus | undefined;
  let lastProgress: string | undefined;
  let pumping = false;
  let again = false;

  const emit = (e: JobEvent): void => {
    if (closed) return;
    try {
      onEvent(e);
    } catch (err) {
      core.log.warn({ err, jobId }, "SSE listener failed; feed closed");
      close();
    }
  };
  const gone = (): void => {
    emit({ id: sent, type: "gone", jobId, error: `job ${jobId} not found` });
    close();
  };
  const step = async (): Promise<void> => {
    for (;;) {
      const chunks = await core.jobs.readChunks(jobId, sent, CHUNK_PAGE);
      for (const c of chunks) {
        if (closed) return;
        emit({ id: c.seq, type: "chunk", seq: c.seq, output: c.output });
        sent = c.seq;
      }
      if (chunks.length < CHUNK_PAGE) break;
    }
    // The common wake-up is a new chunk with nothing else changed: a status-and-progress read answers that
    // without reading and decoding the whole row (input included); the full job is read only for a new status.
    const state = await core.jobs.feedState(jobId);
    if (!state) return gone();
    if (state.status !== lastStatus) {
      const job = await core.jobs.get(jobId);
      if (!job) return gone();
      lastStatus = job.status;
      lastProgress = state.progress;
      emit({ id: sent, type: "status", job: viewWithHint(core, job) });
      if (isTerminal(job.status)) close();
    } else if (state.progress !== undefined && state.progress !== lastProgress) {
      lastProgress = state.progress;
      emit({ id: sent, type: "progress", output: JSON.parse(state.progress) as unknown });
    }
  };
  const pump = async (): Promise<void> => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        await step();
      } while (again && !closed);
    } catch (err) {
      core.log.error({ err, jobId }, "SSE feed failed");
      close();
    } finally {
      pumping = false;
    }
  };
  const off = core.waiters.on(jobKey(jobId), () => void pump());
  // Another node's wake-up may be lost: re-read the store now and then while the feed is open.
  const recheck = core.recheckMs === undefined ? undefined : setInterval(() => void pump(), core.recheckMs);
  recheck?.unref();
  function close(): void {
    closed = true;
    off();
    if (recheck) clearInterval(recheck);
  }
  await pump();
  return close;
}
