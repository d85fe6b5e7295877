/**
 * The environment of a locally started worker: the platform's own environment minus its secrets, then the
 * endpoint's `worker.env`, then the protocol variables (which an endpoint cannot override: a wrong job-take
 * URL or worker id would only produce a worker that never gets work).
 */

/** Protocol variables fixed by the platform for each worker. */
const PROTECTED = new Set([
  "RUNPOD_WEBHOOK_GET_JOB",
  "RUNPOD_WEBHOOK_POST_OUTPUT",
  "RUNPOD_WEBHOOK_POST_STREAM",
  "RUNPOD_WEBHOOK_PING",
  "RUNPOD_POD_ID",
  "RUNPOD_AI_API_KEY",
  "RUNPOD_ENDPOINT_ID",
]);

/** Names from the platform's environment never passed on: its own settings and keys. */
const isPrivate = (name: string): boolean => name.startsWith("GANTRY_") || name.startsWith("RUNPOD_");

export function composeWorkerEnv(
  parent: NodeJS.ProcessEnv,
  protocol: Record<string, string>,
  endpointEnv: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) {
    if (v !== undefined && !isPrivate(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(endpointEnv)) {
    if (!PROTECTED.has(k)) env[k] = v;
  }
  for (const [k, v] of Object.entries(protocol)) {
    // RUNPOD_SKIP_AUTO_SYSTEM_CHECKS etc. are defaults the endpoint may override; the rest is fixed.
    if (PROTECTED.has(k) || endpointEnv[k] === undefined) env[k] = v;
  }
  return env;
}
