/**
 * URL building of the worker protocol (docs/protocol.md §2). The templates carry their own `?`; the SDK
 * appends `&…` literally, as the Python SDK does, so platforms see byte-identical query strings.
 */

/** Like Python's `urllib.parse.quote_plus`: only `A-Za-z0-9_.-~` stay literal, spaces become `+`. */
export function quotePlus(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/** Appends query parameters to a URL that may or may not already have a query. */
export function withQuery(url: string, params: ReadonlyArray<readonly [string, string]>): string {
  if (params.length === 0) return url;
  const query = params.map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join("&");
  if (!url.includes("?")) return `${url}?${query}`;
  return url.endsWith("?") || url.endsWith("&") ? `${url}${query}` : `${url}&${query}`;
}

export interface ProtocolUrls {
  /** Job-take base with the worker id substituted (no trailing parameters). */
  readonly take: string;
  /** Job-stop URL, or undefined when the take template has no `/job-take/` segment to derive it from. */
  readonly stop: string | undefined;
  /** Ping base with the worker id substituted. */
  readonly ping: string;
  takeUrl(batchSize: number, jobInProgress: boolean): string;
  /** `take` > 0 adds Gantry's `&take=` (a result post that also takes that many jobs); never sent to RunPod. */
  doneUrl(jobId: string, isStream: boolean, take?: number): string;
  /**
   * Gantry's job-done-batch URL (`take` > 0 adds `&take=`), derived from a job-done template of the recommended
   * shape (`…/job-done/<worker>/$ID?…`); undefined for any other shape, which turns batching off.
   */
  doneBatchUrl(take?: number): string | undefined;
  streamUrl(jobId: string): string;
}

export function buildProtocolUrls(templates: {
  jobTake: string;
  jobDone: string;
  jobStream: string;
  ping: string;
  workerId: string;
}): ProtocolUrls {
  const { workerId } = templates;
  // In job-take `$ID` is the worker id and `$RUNPOD_POD_ID` is deliberately left alone (docs/protocol.md §2).
  const take = templates.jobTake.replaceAll("$ID", workerId);
  const batch = take.replace("/job-take/", "/job-take-batch/");
  const stop = take.includes("/job-take/") ? take.replace("/job-take/", "/job-stop/") : undefined;
  const done = templates.jobDone.replaceAll("$RUNPOD_POD_ID", workerId);
  const doneBatch =
    done.includes("/job-done/") && done.includes("/$ID")
      ? done.replace("/job-done/", "/job-done-batch/").replace("/$ID", "")
      : undefined;
  const stream = templates.jobStream.replaceAll("$RUNPOD_POD_ID", workerId);
  const ping = templates.ping.replaceAll("$RUNPOD_POD_ID", workerId);
  return {
    take,
    stop,
    ping,
    takeUrl(batchSize, jobInProgress) {
      const flag = jobInProgress ? "1" : "0";
      if (batchSize > 1) return `${batch}&batch_size=${batchSize}&job_in_progress=${flag}`;
      return `${take}&job_in_progress=${flag}`;
    },
    doneUrl(jobId, isStream, take = 0) {
      const url = `${done.replaceAll("$ID", jobId)}&isStream=${isStream ? "true" : "false"}`;
      return take > 0 ? `${url}&take=${take}` : url;
    },
    doneBatchUrl(take = 0) {
      if (doneBatch === undefined) return undefined;
      return take > 0 ? `${doneBatch}&take=${take}` : doneBatch;
    },
    streamUrl(jobId) {
      return `${stream.replaceAll("$ID", jobId)}&isStream=false`;
    },
  };
}
