// Progress through the context (with and without a message) and through the module-level progressUpdate.
import { progressUpdate, start } from "../../index.js";

start({
  handler: async (job, context) => {
    await context.progress(50, "halfway");
    await context.progress({ pct: 75 });
    await progressUpdate(job, 90, "almost");
    return "done";
  },
});
