// Sync handler: echoes the job; returns `{ error }` when the input asks for one.
import { start } from "../../index.js";
import type { Job } from "../../types.js";

start({
  handler: (job: Job<{ error?: string }>) => {
    if (job.input.error) return { error: job.input.error };
    return { echo: job.input, id: job.id, extra: job.extra ?? null };
  },
});
