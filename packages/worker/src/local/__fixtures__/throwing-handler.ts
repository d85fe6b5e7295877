// Handler that throws: the job fails with the JSON-string error info.
import { start } from "../../index.js";

start({
  handler: () => {
    throw new RangeError("kaboom");
  },
});
