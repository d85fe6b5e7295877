/** Errors the CLI reports as a one-line message instead of a stack trace. */

/** Bad input from the user (unknown file, bad port, bad config): exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  readonly exitCode = 2;
}

/** A command that ran but failed (e.g. the demo's jobs did not complete): exit code 1. */
export class CommandFailed extends Error {
  override name = "CommandFailed";
  readonly exitCode = 1;
}
