import { afterAll, beforeAll } from "vitest";
import { describeClusterStoreConformance } from "../testing/cluster-conformance.js";
import {
  dropTestSchemas,
  requirePostgres,
  testDatabaseUrl,
  testSchemaPrefix,
} from "../testing/postgres-test-db.js";
import { openPostgresStore } from "./postgres.js";

const url = testDatabaseUrl();
const prefix = testSchemaPrefix();
let n = 0;

beforeAll(() => requirePostgres(url));
afterAll(() => dropTestSchemas(prefix, url));

describeClusterStoreConformance("postgres", () =>
  openPostgresStore({ connectionString: url, schema: `${prefix}_${n++}`, poolSize: 4 }),
);
