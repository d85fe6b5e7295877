import { ENDPOINT, startGantryServer } from "./gantry-server.js";
import { startNoopWorker } from "./gantry-worker.js";

const server = await startGantryServer({});
await server.fill(ENDPOINT, 30000);
const worker = startNoopWorker(server.publicUrl, 1);
console.log("WPID", worker.child.pid, "SPID", server.pid);
await new Promise((r) => setTimeout(r, 9000));
await worker.stop();
await server.close();
