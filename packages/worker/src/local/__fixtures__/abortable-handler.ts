// Works (a timer keeps the process busy, like real I/O would) until the job's signal aborts, then fails with its reason.
import { once } from "node:events";
import { start } from "../../index.js";

start({
  handler: async (_job, { signal, log }) => {
    const busy = setInterval(() => {}, 1000);
    try {
      log.info("waiting for abort");
      if (!signal.aborted) await once(signal, "abort");
      throw signal.reason;
    } finally {
      clearInterval(busy);
    }
  },
});
