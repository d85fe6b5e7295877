/**
 * The environment a worker needs to join an endpoint: the RunPod webhook templates (each with a `?` query, since
 * the Python SDK appends `&…` to them — docs/protocol.md §2), its id, its key and the ping interval. Used by
 * the dev server and the autoscaler, and documented so a worker started by hand elsewhere can join.
 */

export interface WorkerEnvOptions {
  /** Base URL workers use to reach the server, e.g. `http://10.0.0.5:8080`. */
  publicUrl: string;
  endpointId: string;
  workerId: string;
  workerSecret: string;
  /** ms; at least 1000 (a smaller value kills the Python ping process). Default 10000. */
  pingIntervalMs?: number;
}

export function workerEnv(options: WorkerEnvOptions): Record<string, string> {
  const { endpointId, workerId, workerSecret } = options;
  for (const [name, value] of Object.entries({ endpointId, workerId })) {
    if (!/^[A-Za-z0-9_-]+$/.test(value)) throw new Error(`workerEnv: ${name} must match [A-Za-z0-9_-]+`);
  }
  if (!URL.canParse(options.publicUrl) || !/^https?:/i.test(options.publicUrl)) {
    throw new Error(`workerEnv: publicUrl must be an http(s) URL, got "${options.publicUrl}"`);
  }
  const interval = Math.max(1000, Math.floor(options.pingIntervalMs ?? 10_000));
  const base = `${options.publicUrl.replace(/\/+$/, "")}/v2/${endpointId}`;
  return {
    RUNPOD_WEBHOOK_GET_JOB: `${base}/job-take/$ID?gpu=none`,
    RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=none`,
    RUNPOD_WEBHOOK_POST_STREAM: `${base}/job-stream/$RUNPOD_POD_ID/$ID?gpu=none`,
    RUNPOD_WEBHOOK_PING: `${base}/ping/$RUNPOD_POD_ID?gpu=none`,
    RUNPOD_POD_ID: workerId,
    RUNPOD_POD_HOSTNAME: workerId,
    RUNPOD_AI_API_KEY: workerSecret,
    RUNPOD_PING_INTERVAL: String(interval),
    RUNPOD_ENDPOINT_ID: endpointId,
    RUNPOD_SKIP_AUTO_SYSTEM_CHECKS: "true",
    RUNPOD_ALLOW_PRIVATE_DOWNLOAD_URLS: "true",
  };
}
