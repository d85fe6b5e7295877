/** The exit codes of commands that wait for a job: scripts branch on how the job ended. */
export const EXIT = {
  COMPLETED: 0,
  /** The job FAILED, or the command itself failed (unreachable server, refused key, unknown endpoint). */
  FAILED: 1,
  USAGE: 2,
  TIMED_OUT: 3,
  CANCELLED: 4,
  /** `--timeout` passed while the job was still queued or running; it keeps going on the server. */
  STILL_RUNNING: 5,
} as const;

export function exitCodeFor(status: string): number {
  switch (status) {
    case "COMPLETED":
      return EXIT.COMPLETED;
    case "TIMED_OUT":
      return EXIT.TIMED_OUT;
    case "CANCELLED":
      return EXIT.CANCELLED;
    case "IN_QUEUE":
    case "IN_PROGRESS":
      return EXIT.STILL_RUNNING;
    default:
      return EXIT.FAILED;
  }
}
