import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { describeClusterStoreConformance } from "../testing/cluster-conformance.js";
import { openSqliteStore } from "./sqlite.js";

const dir = mkdtempSync(join(tmpdir(), "gantry-cluster-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeClusterStoreConformance("sqlite file", () =>
  openSqliteStore({ path: join(dir, `t${n++}`, "gantry.db") }),
);
describeClusterStoreConformance("sqlite :memory:", () => openSqliteStore({ path: ":memory:" }));
