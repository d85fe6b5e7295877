/**
 * How long a job-take or job-stop long-poll is held before an empty answer, unless configured (`takeHoldMs`).
 * Below the Python worker's 90 s client bound, so a held poll never times out on the worker's side, and long
 * enough that an idle fleet renews its polls rarely (docs/benchmarks.md, idle fleet). One value for the engine, the API and the config:
 * an engine built directly (tests, embedders) holds as long as a configured server.
 */
export const DEFAULT_TAKE_HOLD_MS = 55_000;
