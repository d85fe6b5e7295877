/** Every scenario, in the order. */
import type { Scenario } from "../scenario.js";
import { latency } from "./latency.js";
import { streaming } from "./streaming.js";
import { throughput } from "./throughput.js";

export const SCENARIOS: readonly Scenario[] = [throughput, latency, streaming];
