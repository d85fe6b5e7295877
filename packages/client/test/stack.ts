/**
 * The client's tests run against the platform's own end-to-end stack: a real `startServer` on loopback (SQLite in
 * a temp dir) and real @gantry/worker processes (packages/server/test/fixtures/e2e-worker.ts).
 */
export {
  API_KEY,
  type Stack,
  type StackOptions,
  startStack,
  until,
} from "../../server/test/e2e/harness.js";
