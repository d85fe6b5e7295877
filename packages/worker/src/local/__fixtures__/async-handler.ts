// Async handler: awaits, logs through the job logger, returns a number.
import { setTimeout as sleep } from "node:timers/promises";
import { start } from "../../index.js";

start({
  handler: async (job, context) => {
    await sleep(10);
    context.log.info(`doubling ${job.input.n}`);
    return job.input.n * 2;
  },
});
