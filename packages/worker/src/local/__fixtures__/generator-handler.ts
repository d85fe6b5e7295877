// Generator handler with aggregation: every chunk is printed, the final output is the list of chunks.
import { start } from "../../index.js";

start({
  handler: async function* (job) {
    for (let i = 0; i < job.input.count; i++) yield { i };
  },
  returnAggregateStream: true,
});
