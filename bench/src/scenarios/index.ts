/** Every scenario, in the order. */
import type { Scenario } from "../scenario.js";
import { coldStart } from "./cold-start.js";
import { idleFleet } from "./idle-fleet.js";
import { latency } from "./latency.js";
import { queueDepth } from "./queue-depth.js";
import { streaming } from "./streaming.js";
import { throughput } from "./throughput.js";

export const SCENARIOS: readonly Scenario[] = [
  throughput,
  latency,
  streaming,
  coldStart,
  queueDepth,
  idleFleet,
];
